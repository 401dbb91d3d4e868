import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type JsonObject, listFunctions, loadTemplate, projectRoot } from '../../local/template.js';
import { getAttOf, isObject, refOf } from './intrinsics.js';

const template = loadTemplate();
const globals = template.Globals?.Function ?? {};
const functions = listFunctions(template).map((spec) => {
  const metadata = template.Resources[spec.logicalId]?.Metadata ?? {};
  const entryPoints = spec.buildProperties.EntryPoints;
  return {
    name: spec.logicalId,
    spec,
    metadata,
    // The declared entry point only: listFunctions falls back to one guessed from Handler, SAM does not.
    entryPoint: Array.isArray(entryPoints) && typeof entryPoints[0] === 'string' ? entryPoints[0] : undefined,
  };
});

/** Comma-separated or a list: SAM accepts both for esbuild's list options. */
function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split(',').map((item) => item.trim()) : [];
}

describe('template.yaml functions', () => {
  it('declares at least one AWS::Serverless::Function', () => {
    // Assess
    expect(functions.length).toBeGreaterThan(0);
  });

  describe.each(functions)('$name', ({ spec, metadata, entryPoint }) => {
    const props = spec.properties;
    const build = spec.buildProperties;

    it('is built by SAM with esbuild', () => {
      // Assess
      expect(metadata.BuildMethod).toBe('esbuild');
    });

    it('declares an entry point that exists, relative to CodeUri', () => {
      // Assess
      expect(entryPoint, 'Metadata.BuildProperties.EntryPoints[0]').toBeTypeOf('string');
      const path = join(spec.codeUri, entryPoint ?? '');
      expect(existsSync(join(projectRoot, path)), `${path} exists`).toBe(true);
    });

    it('exports the handler that Handler names from its entry point', () => {
      // Prepare: the export is read from the source text; importing it would run the module.
      const source = readFileSync(join(projectRoot, spec.codeUri, entryPoint ?? ''), 'utf8');
      const name = spec.exportName;

      // Assess
      expect(name).toMatch(/^[A-Za-z_$][\w$]*$/);
      const exported = new RegExp(
        `^export\\s+(?:const\\s+|(?:async\\s+)?function\\s*\\*?\\s*)${name}\\b`,
        'm',
      );
      expect(
        source,
        `${entryPoint} has \`export const ${name}\` or \`export async function ${name}\``,
      ).toMatch(exported);
    });

    it("names the module esbuild writes: Handler's module is the entry point's basename", () => {
      // Prepare: SAM's esbuild writes <entry basename>.mjs at the root of the artifact, so
      // `Handler: handler.handler` needs an entry point named handler.ts, wherever it lives.
      const module = spec.handler.slice(0, spec.handler.lastIndexOf('.'));

      // Assess
      expect(module).toBe(basename(entryPoint ?? '', extname(entryPoint ?? '')));
    });

    it('runs nodejs22.x on arm64 with active X-Ray tracing', () => {
      // Assess
      expect(spec.runtime).toBe('nodejs22.x');
      expect(spec.architectures).toEqual(['arm64']);
      expect(props.Tracing ?? globals.Tracing).toBe('Active');
    });

    it('bundles minified ES modules (.mjs) with source maps, preferring packages’ ESM builds', () => {
      // Assess
      expect(build.Format).toBe('esm');
      expect(list(build.OutExtension)).toContain('.js=.mjs');
      expect(build.Sourcemap).toBe(true);
      expect(build.Minify).toBe(true);
      expect(list(build.MainFields)).toContain('module');
    });

    it('logs to its own log group in the template, which has a retention', () => {
      // Prepare
      const loggingConfig = (isObject(props.LoggingConfig) ? props.LoggingConfig : {}) as JsonObject;
      const logGroupId = refOf(loggingConfig.LogGroup);
      const logGroup = logGroupId === undefined ? undefined : template.Resources[logGroupId];

      // Assess
      expect(logGroupId, 'LoggingConfig.LogGroup is a !Ref').toBeTypeOf('string');
      expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup?.Properties?.RetentionInDays).toBeDefined();
    });

    it('runs as an explicit role from the template, not one SAM generates', () => {
      // Prepare
      const role = getAttOf(props.Role);

      // Assess
      expect(role?.attribute, 'Role is !GetAtt <Role>.Arn').toBe('Arn');
      expect(template.Resources[role?.logicalId ?? '']?.Type).toBe('AWS::IAM::Role');
    });
  });
});
