import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../local/template.js';
import { cfnLint } from './cfn-lint.js';
import { resourcesOfType } from './intrinsics.js';

describe('template.yaml', () => {
  const template = loadTemplate();

  it('passes cfn-lint with no findings', async () => {
    // Act
    const result = await cfnLint();

    // Assess: one comparison, so a failure prints every finding.
    expect(result).toEqual({ exitCode: 0, output: '' });
  }, 60_000);

  it('passes cfn-lint with its informational checks too (I3011: what a delete does to stateful resources)', async () => {
    // Act
    const result = await cfnLint(['--include-checks', 'I']);

    // Assess
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
