import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../local/template.js';
import { cfnLint } from './cfn-lint.js';
import { resourcesOfType } from './intrinsics.js';

describe('template.yaml', () => {
  const template = loadTemplate();

  // One run with the informational checks added to the default ones (`--include-checks` adds, it does not
  // replace): its findings hold every finding of a default run, so an empty output proves both. Measured with
  // cfn-lint 1.51: a default run reports only the E3012 of a template that also lacks a DeletionPolicy; the
  // run with I reports that E3012 and the two I3011. One cfn-lint run less: ~4 CPU-s.
  it('passes cfn-lint with no findings, its informational checks included (I3011: what a delete does to stateful resources)', async () => {
    // Act
    const result = await cfnLint(['--include-checks', 'I']);

    // Assess: one comparison, so a failure prints every finding.
    expect(result).toEqual({ exitCode: 0, output: '' });
  }, 60_000);

  it('gives every log group a retention, so no log is kept (and billed) forever', () => {
    // Prepare
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');

    // Act
    const withoutRetention = logGroups
      .filter(([, resource]) => resource.Properties?.RetentionInDays === undefined)
      .map(([logicalId]) => logicalId);

    // Assess
    expect(logGroups.length).toBeGreaterThan(0);
    expect(withoutRetention).toEqual([]);
  });
});
