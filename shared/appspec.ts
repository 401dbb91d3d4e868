// The Lambda target of a CodeDeploy AppSpec: which function and alias a deployment shifts, from which version
// to which. https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-lambda
// SAM and CloudFormation write the AppSpec as JSON. A deployment created by hand may carry it as YAML
// (CodeDeploy accepts both): rollback reads that too (`{ yaml: true }`) through the small block-YAML reader
// below, enough for an AppSpec's mappings, lists and scalars and nothing more (no YAML library in a bundle).
// The hooks read JSON only and treat anything else as unreadable, a reason to fail closed.
import { functionNameOf } from './arn.js';
import { isObject } from './validate.js';

export interface AppSpecTarget {
  /** The bare function name (an ARN in the AppSpec is reduced to it). */
  name: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Every Lambda target in an AppSpec (`Resources[].<name>.Properties.{Name, Alias, CurrentVersion,
 * TargetVersion}`); undefined when the text is not an AppSpec (JSON, or YAML when allowed) with at least one
 * complete Lambda target.
 */
export function parseAppSpec(
  content: string | undefined,
  options: { yaml?: boolean } = {},
): AppSpecTarget[] | undefined {
  if (!content) return undefined;
  const document = parseJson(content) ?? (options.yaml ? parseBlockYaml(content) : undefined);
  if (!isObject(document) || !Array.isArray(document.Resources)) return undefined;
  const targets: AppSpecTarget[] = [];
  for (const entry of document.Resources) {
    if (!isObject(entry)) return undefined;
    for (const resource of Object.values(entry)) {
      if (!isObject(resource) || !isObject(resource.Properties)) return undefined;
      if (resource.Type !== undefined && resource.Type !== 'AWS::Lambda::Function') return undefined;
      const props = resource.Properties;
      const name = text(props.Name);
      const alias = text(props.Alias);
      const currentVersion = text(props.CurrentVersion);
      const targetVersion = text(props.TargetVersion);
      if (!name || !alias || !currentVersion || !targetVersion) return undefined;
      targets.push({ name: functionNameOf(name), alias, currentVersion, targetVersion });
    }
  }
  return targets.length > 0 ? targets : undefined;
}

/**
 * The AppSpec's target for this function and alias (JSON or YAML); undefined when the AppSpec shifts something
 * else, `'unreadable'` when the content is not a Lambda AppSpec at all.
 */
export function appSpecTarget(
  content: string | undefined,
  wanted: { functionName: string; alias: string },
): AppSpecTarget | undefined | 'unreadable' {
  const targets = parseAppSpec(content, { yaml: true });
  if (!targets) return 'unreadable';
  return targets.find((target) => target.name === wanted.functionName && target.alias === wanted.alias);
}

function parseJson(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return undefined;
  }
}

interface Line {
  indent: number;
  text: string;
}

/** Block YAML as an AppSpec uses it: mappings, `- ` lists, plain or quoted scalars. Anything else: undefined. */
export function parseBlockYaml(content: string): unknown {
  const lines: Line[] = [];
  for (const raw of content.split(/\r?\n/)) {
    const body = raw.replace(/\s+#.*$/, '').trimEnd();
    if (body.trim() === '' || body.trim().startsWith('#')) continue;
    lines.push({ indent: body.length - body.trimStart().length, text: body.trimStart() });
  }
  if (lines.length === 0) return undefined;
  try {
    const [value, next] = block(lines, 0, lines[0]?.indent ?? 0);
    return next === lines.length ? value : undefined;
  } catch {
    return undefined;
  }
}

function block(lines: Line[], start: number, indent: number): [unknown, number] {
  const first = lines[start];
  if (!first) throw new Error('unexpected end');
  if (first.text.startsWith('- ') || first.text === '-') return sequence(lines, start, indent);
  const map: Record<string, unknown> = {};
  let i = start;
  while (i < lines.length && lines[i]?.indent === indent && !lines[i]?.text.startsWith('-')) {
    const line = lines[i] as Line;
    const match = /^("[^"]*"|'[^']*'|[^\s:][^:]*?)\s*:(?:\s+(.*))?$/.exec(line.text);
    if (!match) throw new Error(`not a mapping: ${line.text}`);
    const key = scalar(match[1] as string) as string;
    i += 1;
    const child = lines[i];
    if (match[2] !== undefined) map[key] = scalar(match[2]);
    else if (child && (child.indent > indent || (child.indent === indent && child.text.startsWith('-')))) {
      [map[key], i] = block(lines, i, child.indent);
    } else map[key] = null;
  }
  return [map, i];
}

function sequence(lines: Line[], start: number, indent: number): [unknown[], number] {
  const items: unknown[] = [];
  let i = start;
  while (i < lines.length && lines[i]?.indent === indent && /^-(\s|$)/.test(lines[i]?.text ?? '')) {
    const line = lines[i] as Line;
    const rest = line.text.slice(1).trimStart();
    if (rest === '') throw new Error('an empty list item');
    // The item's content sits where its text starts, as if on a line of its own.
    lines[i] = { indent: indent + (line.text.length - rest.length), text: rest };
    const [value, next] = /^("[^"]*"|'[^']*'|[^\s:][^:]*?)\s*:(\s|$)/.test(rest)
      ? block(lines, i, (lines[i] as Line).indent)
      : [scalar(rest), i + 1];
    items.push(value);
    i = next;
  }
  return [items, i];
}

function scalar(value: string): unknown {
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(value);
  if (quoted) return quoted[1] ?? (quoted[2] as string).replace(/''/g, "'");
  if (value === '[]') return [];
  if (value === '{}') return {};
  if (/^[[{&*!|>]/.test(value)) throw new Error(`flow or special YAML is not read: ${value}`);
  return value;
}
