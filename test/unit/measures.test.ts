// scripts/measures.ts (npm run measures) reads the import picture without a parser: these are the imports it
// must see — static, re-exported, type-only, side-effect and dynamic — and what it must not take for one.
import { describe, expect, it } from 'vitest';
import { circles, importsIn } from '../../scripts/measures.js';

const known = new Set(['cli/program.ts', 'cli/invoke.ts', 'cli/quiet.ts', 'cli/opts.ts', 'local/quiet.ts']);

describe('importsIn', () => {
  it('sees static, type-only, re-exported, side-effect and dynamic imports, resolved to files', () => {
    // Prepare
    const source = [
      "import type { Opts } from './opts.js';",
      "import {\n  quietHandlers,\n} from '../local/quiet.js';",
      "import './quiet.js';",
      "export { runInvoke } from './invoke.js';",
      "    .action(act(async () => (await import('./invoke.js')).runInvoke));",
    ].join('\n');

    // Act
    const found = importsIn(source, 'cli/program.ts', known);

    // Assess
    expect(found.sort()).toEqual(['cli/invoke.ts', 'cli/opts.ts', 'cli/quiet.ts', 'local/quiet.ts']);
  });

  it('ignores imports in comments, in strings written for another directory, and of unmeasured files', () => {
    // Prepare
    const source = [
      " * const { invokeFunction } = await import('./invoke.js');",
      "// await import('./invoke.js')",
      `    "await import('./cli/main.ts');",`,
      "import { parse } from 'yaml';",
      "import { x } from './elsewhere.js';",
    ].join('\n');

    // Act
    const found = importsIn(source, 'cli/program.ts', known);

    // Assess
    expect(found).toEqual([]);
  });
});

describe('circles', () => {
  it('finds a circle closed by a dynamic import, and none in a tree', () => {
    // Prepare
    const edges = new Map([
      ['cli/program.ts', ['cli/invoke.ts', 'cli/opts.ts']],
      ['cli/invoke.ts', ['cli/program.ts']],
      ['cli/opts.ts', []],
    ]);

    // Act
    const found = circles([...edges.keys()], edges);
    edges.set('cli/invoke.ts', ['cli/opts.ts']);
    const none = circles([...edges.keys()], edges);

    // Assess
    expect(found).toEqual([['cli/invoke.ts', 'cli/program.ts']]);
    expect(none).toEqual([]);
  });
});
