import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { usePrebuiltTemplate } from '../../local/prebuilt-template.js';
import { loadTemplate, parseTemplate, templatePath, templateSha256 } from '../../local/template.js';
import { cliEntry } from '../../scripts/build-cli.js';

describe('template.yaml parsed at build time (the compiled CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-template-'));
  const file = join(dir, 'template.yaml');
  const text =
    'Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Role: !GetAtt FnRole.Arn\n';

  afterEach(() => usePrebuiltTemplate(undefined));

  it('uses the build’s parse while the file has the text it was parsed from', () => {
    // Prepare: a parse that differs from the file's, to see which one is used.
    writeFileSync(file, text);
    usePrebuiltTemplate({ sha256: templateSha256(text), json: '{"Resources":{"FromTheBuild":{}}}' });

    // Act
    const first = loadTemplate(file);
    const second = loadTemplate(file);

    // Assess: a fresh object each time, as a parse gives.
    expect(first).toEqual({ Resources: { FromTheBuild: {} } });
    expect(second).not.toBe(first);
  });

  it('parses the file as before once its text has changed', () => {
    // Prepare
    writeFileSync(file, text);
    usePrebuiltTemplate({ sha256: templateSha256('an older template'), json: '{"Resources":{}}' });

    // Act
    const template = loadTemplate(file);

    // Assess
    expect(template).toEqual({
      Resources: {
        Fn: { Type: 'AWS::Serverless::Function', Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } } },
      },
    });
  });

  it('embeds in the CLI bundle a parse of template.yaml equal to parsing it at run time', () => {
    // Prepare
    const current = readFileSync(templatePath, 'utf8');

    // Act
    const embedded = /usePrebuiltTemplate\((\{.*\})\);/.exec(cliEntry())?.[1];
    const prebuilt = JSON.parse(String(embedded)) as { sha256: string; json: string };

    // Assess: JSON carries the whole parse (no date, undefined or tag object lost on the way).
    expect(prebuilt.sha256).toBe(templateSha256(current));
    expect(JSON.parse(prebuilt.json)).toStrictEqual(parseTemplate(current));
  });
});
