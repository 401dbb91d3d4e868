// Lambda of the in-memory Region (bench/memory-region.ts): the calls the rollback makes (functions/rollback:
// GetAlias, ListVersionsByFunction, GetFunctionConfiguration, UpdateAlias) answered from memory.
//
// Faithful where the rollback depends on it: a missing function and a missing alias are both
// ResourceNotFoundException, as Lambda answers them; ListVersionsByFunction lists $LATEST first then the
// published versions, in pages of MaxItems (default 50) with NextMarker; UpdateAlias refuses a RevisionId that
// is not the alias's current one (PreconditionFailedException — moto ignores it), refuses a version that does
// not exist, replaces RoutingConfig when it is sent (an empty map clears the weights) and gives the alias a
// new RevisionId. Functions are addressed by name only (no ARN, no partial ARN): the rollback sends names.
// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html
import { randomUUID } from 'node:crypto';
import { type Answer, awsError, type Item } from './memory-table.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export interface MemoryFunction {
  /** Published versions by number ("1", "2", …), each its configuration; $LATEST is implied. */
  versions: Map<string, Item>;
  /** Aliases by name: FunctionVersion, RoutingConfig, RevisionId, Description. */
  aliases: Map<string, Item>;
}

const functionArn = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

/** A function with `versions` published versions and each alias of `aliases` on the version given. */
export function memoryFunction(
  name: string,
  versions: number,
  aliases: Record<string, string>,
): MemoryFunction {
  const published = new Map<string, Item>();
  for (let version = 1; version <= versions; version++) {
    published.set(String(version), {
      FunctionName: name,
      FunctionArn: functionArn(name, String(version)),
      Version: String(version),
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: `arn:aws:iam::${ACCOUNT}:role/${name}-role`,
      Description: `gitSha=${version.toString(16).padStart(7, '0')} buildId=${version}`,
      State: 'Active',
    });
  }
  const aliasMap = new Map<string, Item>();
  for (const [alias, version] of Object.entries(aliases))
    aliasMap.set(alias, { Name: alias, FunctionVersion: version, RevisionId: randomUUID(), Description: '' });
  return { versions: published, aliases: aliasMap };
}

const noFunction = (name: string) =>
  awsError('ResourceNotFoundException', `Function not found: ${functionArn(name)}`);

function aliasAnswer(name: string, alias: Item): Item {
  return { AliasArn: functionArn(name, String(alias.Name)), ...structuredClone(alias) };
}

/** LambdaClient's commands (by command name) over `functions`. */
export function lambdaAnswers(functions: Map<string, MemoryFunction>): Record<string, Answer> {
  const find = (input: Item) => {
    const name = String(input.FunctionName);
    const found = functions.get(name);
    if (!found) throw noFunction(name);
    return { name, found };
  };
  const latest = (name: string): Item => ({
    FunctionName: name,
    FunctionArn: functionArn(name, '$LATEST'),
    Version: '$LATEST',
    Runtime: 'nodejs22.x',
    State: 'Active',
  });
  return {
    GetAliasCommand: (input) => {
      const { name, found } = find(input);
      const alias = found.aliases.get(String(input.Name));
      if (!alias)
        throw awsError(
          'ResourceNotFoundException',
          `Alias not found: ${functionArn(name, String(input.Name))}`,
        );
      return aliasAnswer(name, alias);
    },
    ListVersionsByFunctionCommand: (input) => {
      const { name, found } = find(input);
      const all = [latest(name), ...found.versions.values()];
      const start = Number(input.Marker ?? 0);
      const size = Math.min(10_000, Number(input.MaxItems ?? 50));
      return {
        Versions: all.slice(start, start + size).map((item) => structuredClone(item)),
        ...(start + size < all.length ? { NextMarker: String(start + size) } : {}),
      };
    },
    GetFunctionConfigurationCommand: (input) => {
      const { name, found } = find(input);
      const qualifier = input.Qualifier === undefined ? '$LATEST' : String(input.Qualifier);
      if (qualifier === '$LATEST') return latest(name);
      const alias = found.aliases.get(qualifier);
      const version = found.versions.get(alias ? String(alias.FunctionVersion) : qualifier);
      if (!version) throw noFunction(`${name}:${qualifier}`);
      return structuredClone(version);
    },
    UpdateAliasCommand: (input) => {
      const { name, found } = find(input);
      const alias = found.aliases.get(String(input.Name));
      if (!alias)
        throw awsError(
          'ResourceNotFoundException',
          `Alias not found: ${functionArn(name, String(input.Name))}`,
        );
      if (input.RevisionId !== undefined && input.RevisionId !== alias.RevisionId)
        throw awsError(
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
        );
      const version = input.FunctionVersion === undefined ? alias.FunctionVersion : input.FunctionVersion;
      if (version !== '$LATEST' && !found.versions.has(String(version)))
        throw noFunction(`${name}:${version}`);
      const routing = input.RoutingConfig as
        | { AdditionalVersionWeights?: Record<string, number> }
        | undefined;
      const weights = routing ? (routing.AdditionalVersionWeights ?? {}) : undefined;
      const updated: Item = {
        ...alias,
        FunctionVersion: String(version),
        ...(input.Description !== undefined ? { Description: input.Description } : {}),
        RevisionId: randomUUID(),
      };
      if (weights !== undefined) {
        if (Object.keys(weights).length > 0) updated.RoutingConfig = { AdditionalVersionWeights: weights };
        else delete updated.RoutingConfig;
      }
      found.aliases.set(String(input.Name), updated);
      return aliasAnswer(name, updated);
    },
  };
}
