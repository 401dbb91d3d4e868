import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultJsonPath, parseDrillArgs } from '../../local/drill/args.js';
import { projectRoot } from '../../local/template.js';

describe('parseDrillArgs', () => {
  it.each([
    [[], { help: false, verbose: false }],
    [['--json'], { help: false, verbose: false, jsonFile: defaultJsonPath }],
    [['--json', 'out/card.json'], { help: false, verbose: false, jsonFile: 'out/card.json' }],
    [
      ['--json', 'card.json', '--only', 'dlq'],
      { help: false, verbose: false, jsonFile: 'card.json', only: 'dlq' },
    ],
    [['--out', 'card.json'], { help: false, verbose: false, jsonFile: 'card.json' }],
    [['--only', 'health', '--verbose'], { help: false, verbose: true, only: 'health' }],
    [['--help'], { help: true, verbose: false }],
  ])('reads %j', (argv, expected) => {
    expect(parseDrillArgs(argv)).toEqual(expected);
  });

  it('writes the scorecard under dist/ by default', () => {
    expect(defaultJsonPath).toBe(join(projectRoot, 'dist', 'drill.json'));
  });

  it.each([
    [['stray'], 'unexpected argument "stray"'],
    [['--json', 'a.json', 'b.json'], 'unexpected argument "b.json"'],
    [['--json', 'a.json', '--out', 'b.json'], 'name two files'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDrillArgs(argv)).toThrow(message);
  });
});
