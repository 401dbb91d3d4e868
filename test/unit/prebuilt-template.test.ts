import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { usePrebuiltTemplate } from '../../local/prebuilt-template.js';
import { loadTemplate, parseTemplate, templatePath, templateSha256 } from '../../local/template.js';
import { cliEntry } from '../../scripts/build-cli.js';

describe('loadTemplate: template.yaml parsed once, at build time for the compiled CLI, else once per process', () => {
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

  it('parses a text once per process, and still gives a fresh object at each call', () => {
    // Prepare
    writeFileSync(file, text);
    const first = loadTemplate(file);

    // Act: the first result changed by its caller, then the same text loaded again.
    (first.Resources as Record<string, unknown>).Changed = {};
    const second = loadTemplate(file);

    // Assess
    expect(second).not.toBe(first);
    expect(Object.keys(second.Resources ?? {})).toEqual(['Fn']);
  });

  /** The process's parses, as local/template.ts keeps them. */
  const processParses = (): Map<string, string> => {
    const parses = (globalThis as { [key: symbol]: Map<string, string> | undefined })[
      Symbol.for('lambda-runbook.template-parses')
    ];
    if (!parses) throw new Error('local/template.ts keeps no parses on globalThis');
    return parses;
  };

  it('keeps its parses for the process: the module evaluated again (as each test file does) parses nothing again', async () => {
    // Prepare: a parse made, then replaced by a marker, to see whether a fresh module parses or uses it.
    const own = `${text}# kept for the process\n`;
    writeFileSync(file, own);
    loadTemplate(file);
    const sha256 = templateSha256(own);
    expect(processParses().has(sha256)).toBe(true);
    processParses().set(sha256, '{"Resources":{"FromTheProcess":{}}}');

    // Act
    vi.resetModules();
    const fresh = await import('../../local/template.js');
    const template = fresh.loadTemplate(file);

    // Assess
    processParses().delete(sha256);
    expect(template).toEqual({ Resources: { FromTheProcess: {} } });
  });

  it('keeps the 16 texts parsed last, not every text the process ever parsed', () => {
    // Prepare
    const texts = Array.from({ length: 20 }, (_, i) => `${text}# version ${i}\n`);

    // Act
    for (const version of texts) {
      writeFileSync(file, version);
      loadTemplate(file);
    }

    // Assess
    const kept = texts.map((version) => processParses().has(templateSha256(version)));
    expect(processParses().size).toBeLessThanOrEqual(16);
    expect(kept.slice(4)).toEqual(Array(16).fill(true));
    expect(kept.slice(0, 4)).toEqual(Array(4).fill(false));
  });

  it('reads the file at every call: an edited file is parsed anew', () => {
    // Prepare
    writeFileSync(file, text);
    loadTemplate(file);
    writeFileSync(file, text.replace('Fn:', 'Renamed:'));

    // Act
    const template = loadTemplate(file);

    // Assess
    expect(Object.keys(template.Resources ?? {})).toEqual(['Renamed']);
  });

  it('gives a value JSON cannot carry exactly as YAML says it, at every call', () => {
    // Prepare
    writeFileSync(file, 'Parameters:\n  Limit:\n    Type: Number\n    Default: .inf\n');

    // Act
    const loads = [loadTemplate(file), loadTemplate(file)];

    // Assess
    for (const template of loads) expect(template.Parameters?.Limit?.Default).toBe(Number.POSITIVE_INFINITY);
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
