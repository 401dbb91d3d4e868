// What the compiled CLI's code-cached bundles are made of (scripts/build-cli.ts): minified identifiers, with
// every class's name as its source declares it, and of the AWS SDK only the clients and commands the CLI sends.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFiles } from '../../cli/code-cache.js';
import { COMMAND_BUNDLES, classNamesKept, cliOutDir, keepClassNames } from '../../scripts/build-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-class-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A module whose classes' names are read the ways shared/errors.ts, the SDK and commander read them. */
const FIXTURE = `
export class RunbookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
export class ValidationError extends RunbookError {}
class NoOpLogger {}
export abstract class Shape {}
export class Renamed { static name = 'ChosenName'; }
if (Math.random() < 2) {
class InBlock {}
void InBlock;
}
export const names = () => [
  new ValidationError('x').name,
  new NoOpLogger().constructor.name,
  Shape.name,
  Renamed.name,
];
`;

/** The fixture bundled and minified as the CLI's cached bundles are, run, and the names it reads. */
async function namesRead(plugins: Parameters<typeof build>[0]['plugins']): Promise<string[]> {
  const file = join(dir, 'fixture.ts');
  writeFileSync(file, FIXTURE);
  const out = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    logLevel: 'silent',
    plugins,
  });
  const module = { exports: {} as { names: () => string[] } };
  new Function('module', 'exports', out.outputFiles[0]?.text as string)(module, module.exports);
  return module.exports.names();
}

describe('classes in the minified bundles (keepClassNames)', () => {
  it('keep the names their source declares, and a name a class chose itself', async () => {
    // Act
    const kept = await namesRead([keepClassNames]);
    const minified = await namesRead([]);

    // Assess: without the plugin the minifier's names are what code reads (so this test can fail).
    expect(kept).toEqual(['ValidationError', 'NoOpLogger', 'Shape', 'ChosenName']);
    expect(minified.slice(0, 3)).not.toEqual(['ValidationError', 'NoOpLogger', 'Shape']);
  });

  it('adds nothing to a module that declares no class at its top level', () => {
    // Prepare
    const source =
      'export const f = () => class { };\nfunction g() {\n  class Inner {}\n  return Inner;\n}\n';

    // Act / Assess
    expect(classNamesKept(source)).toBe(source);
  });
});

describe('the AWS SDK in the code-cached bundles', () => {
  it.each([undefined, ...Object.keys(COMMAND_BUNDLES)])(
    'carries no client package whole, only the clients and commands the CLI sends (%s)',
    (command) => {
      // Prepare: dist/cli as test/build-cli-setup.ts built it, and the sources its map names.
      const map = JSON.parse(readFileSync(join(cliOutDir, `${bundleFiles(command).bundle}.map`), 'utf8')) as {
        sources: string[];
      };

      // Act
      const wholePackages = map.sources.filter((source) =>
        /@aws-sdk\/(client-[\w-]+|lib-dynamodb)\/dist-es\/index\.js$/.test(source),
      );
      const clients = map.sources.filter((source) =>
        /@aws-sdk\/client-lambda\/dist-es\/LambdaClient\.js$/.test(source),
      );

      // Assess
      expect(wholePackages).toEqual([]);
      expect(clients).toHaveLength(1);
    },
  );
});
