// Reads template.yaml the way SAM and CloudFormation would, for the tools that run off AWS:
// the esbuild build, `runbook invoke`, the emulator provisioner and the template tests.
// Only what those need is resolved; anything else is reported, never guessed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';
import { prebuiltTemplate } from './prebuilt-template.js';

/**
 * The folder holding template.yaml: the nearest one above this module. Found, not assumed one level up,
 * because the compiled CLI (dist/cli/runbook.mjs) runs this module from a bundle two levels down.
 */
export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'template.yaml')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..');
  }
}

export const templatePath = join(projectRoot, 'template.yaml');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Template {
  Parameters?: Record<string, { Type: string; Default?: string | number; AllowedValues?: Json[] }>;
  Conditions?: Record<string, Json>;
  Globals?: { Function?: JsonObject };
  Resources: Record<
    string,
    { Type: string; Condition?: string; Properties?: JsonObject; Metadata?: JsonObject }
  >;
  Outputs?: Record<string, JsonObject>;
}

// CloudFormation short forms (`!Ref X`) become their long forms (`{ Ref: X }`), so one resolver serves both.
const intrinsics: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  GetAtt: 'Fn::GetAtt',
  Sub: 'Fn::Sub',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  FindInMap: 'Fn::FindInMap',
  Base64: 'Fn::Base64',
  GetAZs: 'Fn::GetAZs',
  ImportValue: 'Fn::ImportValue',
  Cidr: 'Fn::Cidr',
};

const customTags = Object.entries(intrinsics).flatMap(([short, long]): (ScalarTag | CollectionTag)[] => [
  {
    tag: `!${short}`,
    resolve: (value: string) =>
      long === 'Fn::GetAtt' ? { [long]: value.split('.', 2) } : ({ [long]: value } as unknown as string),
  } as ScalarTag,
  {
    tag: `!${short}`,
    collection: 'seq',
    resolve: (seq: { toJSON(): unknown }) => ({ [long]: seq.toJSON() }),
  } as unknown as CollectionTag,
  {
    tag: `!${short}`,
    collection: 'map',
    resolve: (map: { toJSON(): unknown }) => ({ [long]: map.toJSON() }),
  } as unknown as CollectionTag,
]);

export function parseTemplate(text: string): Template {
  return parse(text, { customTags }) as Template;
}

/**
 * Parses already made in this process, serialized, by the SHA-256 of the text parsed. Every handler run
 * in-process (the drill, `runbook invoke`, the tests) and every provisioning loads the template again, and a
 * parse of template.yaml costs 40-300 ms of CPU where JSON.parse of its result costs about one.
 *
 * Held by the process (a registered symbol on globalThis), not by this module: a module evaluated again in the
 * same process finds them too. The test suite evaluates the project's modules afresh for each test file in a
 * shared worker (test/setup-shared-worker.ts), and ~80 files load the template: one parse per worker instead of
 * one per file, ~8 CPU-s of a run. Keyed by content, so a stale entry cannot be served; the oldest go past
 * PARSES_KEPT (tests write many small templates).
 */
const PARSES_KEPT = 16;
const processWide = globalThis as { [key: symbol]: Map<string, string> | undefined };
const parsesKey = Symbol.for('lambda-runbook.template-parses');
processWide[parsesKey] ??= new Map<string, string>();
const parsed = processWide[parsesKey];

function keepParse(sha256: string, json: string): void {
  parsed.delete(sha256);
  parsed.set(sha256, json);
  for (const oldest of parsed.keys()) {
    if (parsed.size <= PARSES_KEPT) break;
    parsed.delete(oldest);
  }
}

/**
 * template.yaml (or `path`) as a fresh object at each call, read from the file each time: an edited file is
 * parsed anew. A text parsed before in this process, or by the compiled CLI's build
 * (local/prebuilt-template.ts), is not parsed again.
 */
export function loadTemplate(path = templatePath): Template {
  const text = readFileSync(path, 'utf8');
  const sha256 = templateSha256(text);
  const known = prebuiltTemplate?.sha256 === sha256 ? prebuiltTemplate.json : parsed.get(sha256);
  if (known !== undefined) return JSON.parse(known) as Template;
  const template = parseTemplate(text);
  // Kept only when JSON carries it whole (YAML can say .inf or .nan, JSON cannot).
  const json = JSON.stringify(template);
  if (isDeepStrictEqual(JSON.parse(json), template)) keepParse(sha256, json);
  return template;
}

export function templateSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What the tools need to know to resolve intrinsics: parameters, pseudo parameters and the resources that exist. */
export interface ResolveContext {
  template: Template;
  parameters: Record<string, string>;
  stackName: string;
  region: string;
  accountId: string;
  /** Physical ids (`Ref`) and attributes (`GetAtt`) of resources, by logical id. */
  resources: Record<string, { ref: string; attributes?: Record<string, string> }>;
}

export class UnresolvedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvedError';
  }
}

/** Parameter defaults, overridden by `overrides` (as `sam deploy --parameter-overrides` would). */
export function parameterValues(
  template: Template,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
    if (spec.Default !== undefined) values[name] = String(spec.Default);
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in (template.Parameters ?? {}))) throw new UnresolvedError(`unknown parameter ${name}`);
    values[name] = value;
  }
  return values;
}

function pseudo(ctx: ResolveContext, name: string): string | undefined {
  switch (name) {
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NoValue':
      return undefined;
    default:
      return undefined;
  }
}

function ref(ctx: ResolveContext, name: string): string {
  if (name.startsWith('AWS::')) {
    const value = pseudo(ctx, name);
    if (value === undefined) throw new UnresolvedError(`pseudo parameter ${name}`);
    return value;
  }
  if (name in ctx.parameters) return ctx.parameters[name] as string;
  const resource = ctx.resources[name];
  if (resource) return resource.ref;
  throw new UnresolvedError(`Ref ${name}`);
}

function getAtt(ctx: ResolveContext, logicalId: string, attribute: string): string {
  const value = ctx.resources[logicalId]?.attributes?.[attribute];
  if (value === undefined) throw new UnresolvedError(`GetAtt ${logicalId}.${attribute}`);
  return value;
}

export function evaluateCondition(ctx: ResolveContext, name: string): boolean {
  const expression = ctx.template.Conditions?.[name];
  if (expression === undefined) throw new UnresolvedError(`condition ${name}`);
  return Boolean(resolveValue(ctx, expression));
}

/** Resolves CloudFormation intrinsics in `value`. Throws UnresolvedError naming what it could not resolve. */
export function resolveValue(ctx: ResolveContext, value: Json | undefined): Json | undefined {
  if (value === null || value === undefined || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    return value.map((item) => resolveValue(ctx, item)).filter((item): item is Json => item !== undefined);
  }
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const key = keys[0] as string;
    const arg = value[key] as Json;
    switch (key) {
      case 'Ref': {
        if (arg === 'AWS::NoValue') return undefined;
        // A CommaDelimitedList parameter is a list wherever it is referenced whole (CloudFormation splits it).
        const value = ref(ctx, String(arg));
        const list = ctx.template.Parameters?.[String(arg)]?.Type === 'CommaDelimitedList';
        return list && String(arg) in ctx.parameters ? value.split(',') : value;
      }
      case 'Condition':
        return evaluateCondition(ctx, String(arg));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.', 2);
        return getAtt(ctx, String(logicalId), String(attribute));
      }
      case 'Fn::Sub':
        return substitute(ctx, arg);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = arg as [string, Json, Json];
        return resolveValue(ctx, evaluateCondition(ctx, condition) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = (arg as Json[]).map((item) => resolveValue(ctx, item));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not':
        return !resolveValue(ctx, (arg as Json[])[0]);
      case 'Fn::And':
        return (arg as Json[]).every((item) => Boolean(resolveValue(ctx, item)));
      case 'Fn::Or':
        return (arg as Json[]).some((item) => Boolean(resolveValue(ctx, item)));
      case 'Fn::Join': {
        const [separator, items] = arg as [string, Json];
        return (resolveValue(ctx, items) as Json[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = arg as [Json, Json];
        return (resolveValue(ctx, items) as Json[])[Number(resolveValue(ctx, index))] ?? null;
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, Json];
        return String(resolveValue(ctx, source)).split(separator);
      }
      default:
        if (key.startsWith('Fn::')) throw new UnresolvedError(`${key} is not supported off AWS`);
    }
  }
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const resolved = resolveValue(ctx, item);
    if (resolved !== undefined) out[key] = resolved;
  }
  return out;
}

function substitute(ctx: ResolveContext, arg: Json): string {
  const [text, variables] = Array.isArray(arg) ? (arg as [string, JsonObject]) : [String(arg), {}];
  return text.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
    if (name in variables) return String(resolveValue(ctx, variables[name]));
    if (name.includes('.')) {
      const [logicalId, attribute] = name.split('.', 2) as [string, string];
      return getAtt(ctx, logicalId, attribute);
    }
    return ref(ctx, name);
  });
}

/** A Lambda function as declared in the template, with Globals merged the way SAM merges them. */
export interface FunctionSpec {
  logicalId: string;
  condition?: string;
  codeUri: string;
  handler: string;
  /** Source file holding the handler, relative to the project root. */
  entryPoint: string;
  /** Exported name of the handler in the entry point. */
  exportName: string;
  timeoutSeconds: number;
  memoryMb: number;
  runtime: string;
  architectures: string[];
  buildProperties: JsonObject;
  /** Unresolved environment variables (Globals then the function's own). */
  environment: Record<string, Json>;
  properties: JsonObject;
}

export function listFunctions(template: Template): FunctionSpec[] {
  const globals = template.Globals?.Function ?? {};
  const globalEnv = ((globals.Environment as JsonObject | undefined)?.Variables ?? {}) as JsonObject;
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Serverless::Function')
    .map(([logicalId, resource]) => {
      const props = resource.Properties ?? {};
      const handler = String(props.Handler ?? '');
      const buildProperties = (resource.Metadata?.BuildProperties ?? {}) as JsonObject;
      const entryPoints = (buildProperties.EntryPoints as string[] | undefined) ?? [];
      const codeUri = String(props.CodeUri ?? '.');
      const exportName = handler.slice(handler.lastIndexOf('.') + 1);
      const ownEnv = ((props.Environment as JsonObject | undefined)?.Variables ?? {}) as JsonObject;
      return {
        logicalId,
        ...(resource.Condition ? { condition: resource.Condition } : {}),
        codeUri,
        handler,
        entryPoint: join(codeUri, entryPoints[0] ?? `${handler.slice(0, handler.lastIndexOf('.'))}.ts`),
        exportName,
        timeoutSeconds: Number(props.Timeout ?? globals.Timeout ?? 3),
        memoryMb: Number(props.MemorySize ?? globals.MemorySize ?? 128),
        runtime: String(props.Runtime ?? globals.Runtime ?? ''),
        architectures: ((props.Architectures ?? globals.Architectures ?? ['x86_64']) as Json[]).map(String),
        buildProperties,
        environment: { ...globalEnv, ...ownEnv },
        properties: props,
      };
    });
}

export function findFunction(template: Template, logicalId: string): FunctionSpec {
  const spec = listFunctions(template).find((fn) => fn.logicalId === logicalId);
  if (!spec) {
    const known = listFunctions(template)
      .map((fn) => fn.logicalId)
      .join(', ');
    throw new UnresolvedError(`no function ${logicalId} in template.yaml (functions: ${known})`);
  }
  return spec;
}

/** Resolves a function's environment; a variable that cannot be resolved off AWS is left out and named. */
export function resolveEnvironment(
  ctx: ResolveContext,
  spec: FunctionSpec,
): { variables: Record<string, string>; unresolved: string[] } {
  const variables: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(spec.environment)) {
    try {
      const resolved = resolveValue(ctx, value);
      if (resolved !== undefined && resolved !== null) variables[name] = String(resolved);
    } catch (error) {
      if (!(error instanceof UnresolvedError)) throw error;
      unresolved.push(`${name} (${error.message})`);
    }
  }
  return { variables, unresolved };
}
