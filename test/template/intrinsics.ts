// Reading CloudFormation intrinsics as `parseTemplate` leaves them (long form: `{ Ref: X }`,
// `{ 'Fn::GetAtt': [X, Attr] }`, `{ 'Fn::If': [Condition, a, b] }`), for the template checks.
import type { Json, JsonObject, Template } from '../../local/template.js';

export type Resource = Template['Resources'][string] & {
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The single key of an intrinsic function object, e.g. `Ref` or `Fn::If`; undefined for anything else. */
function intrinsic(value: Json | undefined): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const key = keys[0];
  return keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))
    ? key
    : undefined;
}

/** The logical id (or parameter) named by `!Ref X`, else undefined. */
export function refOf(value: Json | undefined): string | undefined {
  return intrinsic(value) === 'Ref' && isObject(value) && typeof value.Ref === 'string'
    ? value.Ref
    : undefined;
}

/** `!GetAtt X.Attr` (either form) as `{ logicalId, attribute }`, else undefined. */
export function getAttOf(value: Json | undefined): { logicalId: string; attribute: string } | undefined {
  if (intrinsic(value) !== 'Fn::GetAtt' || !isObject(value)) return undefined;
  const arg = value['Fn::GetAtt'];
  const [logicalId, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.', 2);
  return logicalId && attribute ? { logicalId, attribute } : undefined;
}

/** `[condition, whenTrue, whenFalse]` of an `!If`, else undefined. */
export function ifOf(value: Json | undefined): [string, Json, Json] | undefined {
  if (intrinsic(value) !== 'Fn::If' || !isObject(value)) return undefined;
  const arg = value['Fn::If'];
  return Array.isArray(arg) && arg.length === 3 && typeof arg[0] === 'string'
    ? (arg as [string, Json, Json])
    : undefined;
}

/**
 * Every value `value` can take once deployed: lists are flattened, both branches of each `!If` are
 * followed, and `!Ref AWS::NoValue` (which removes the value) is dropped. Other intrinsics are returned
 * as they are, for the caller to accept or report.
 */
export function alternatives(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(alternatives);
  const branches = ifOf(value);
  if (branches) return [...alternatives(branches[1]), ...alternatives(branches[2])];
  if (refOf(value) === 'AWS::NoValue') return [];
  return [value];
}

export function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
}

/** True when `value` is `!Ref X` and X is a resource of type `type` in `template`. */
export function refsResourceOfType(template: Template, value: Json | undefined, type: string): boolean {
  const logicalId = refOf(value);
  return logicalId !== undefined && template.Resources?.[logicalId]?.Type === type;
}

export function describeValue(value: Json | undefined): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
