import { describe, expect, it } from 'vitest';
import { appSpecTarget, parseAppSpec, parseBlockYaml } from '../../shared/appspec.js';

const FN = 'trading';
const wanted = { functionName: FN, alias: 'live' };

const appSpec = (from: string, to: string, name = FN) =>
  JSON.stringify({
    version: 0.0,
    Resources: [
      {
        trading: {
          Type: 'AWS::Lambda::Function',
          Properties: { Name: name, Alias: 'live', CurrentVersion: from, TargetVersion: to },
        },
      },
    ],
  });

const yaml = [
  'version: 0.0',
  'Resources:',
  '  - trading:',
  '      Type: AWS::Lambda::Function',
  '      Properties:',
  '        Name: arn:aws:lambda:us-east-1:123456789012:function:trading',
  '        Alias: live',
  '        CurrentVersion: "2"',
  '        TargetVersion: "3"',
].join('\n');

const target = { name: FN, alias: 'live', currentVersion: '2', targetVersion: '3' };

// Moved from test/unit/rollback.test.ts ('appSpecTarget'), when rollback's regex gave way to this module.
describe('appSpecTarget (rollback)', () => {
  it('reads the function, alias and versions of a Lambda AppSpec, JSON or YAML, by name or ARN', () => {
    // Assess
    expect(appSpecTarget(appSpec('2', '3'), wanted)).toEqual(target);
    expect(appSpecTarget(yaml, wanted)).toEqual(target);
    expect(appSpecTarget('{"Resources":[]}', wanted)).toBe('unreadable');
  });

  it('answers undefined for an AppSpec that shifts another function or alias', () => {
    // Assess
    expect(appSpecTarget(appSpec('2', '3', 'other'), wanted)).toBeUndefined();
    expect(appSpecTarget(appSpec('2', '3'), { functionName: FN, alias: 'blue' })).toBeUndefined();
  });
});

describe('parseAppSpec (hooks)', () => {
  it('reads JSON only unless YAML is asked for: a hook fails closed on anything else', () => {
    // Assess
    expect(parseAppSpec(appSpec('2', '3'))).toEqual([target]);
    expect(parseAppSpec(yaml)).toBeUndefined();
    expect(parseAppSpec(yaml, { yaml: true })).toEqual([target]);
  });
});

describe('parseBlockYaml', () => {
  it('reads mappings, lists, quoted and plain scalars, and ignores comments', () => {
    // Prepare
    const text = [
      '# an AppSpec',
      'a: 1',
      'b:',
      '  - c: "x y"',
      "    d: 'it''s'",
      '  - plain',
      'e: []  # none',
    ];

    // Assess
    expect(parseBlockYaml(text.join('\n'))).toEqual({ a: '1', b: [{ c: 'x y', d: "it's" }, 'plain'], e: [] });
  });

  it.each([
    ['flow mappings', 'a: {b: 1}'],
    ['a bad indentation', 'a:\n    b: 1\n  c: 2'],
    ['text that is no mapping', 'just words'],
    ['nothing', '# only a comment'],
  ])('answers undefined for %s', (_case, text) => {
    // Assess
    expect(parseBlockYaml(text)).toBeUndefined();
  });
});
