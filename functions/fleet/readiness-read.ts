// The reads rollback readiness decides from (readiness.ts): reads only, no write, in a fixed order. Its own
// GetAlias rather than the rollback's readAlias: one function's code does not import another's (npm run measures).

import {
  GetAliasCommand,
  GetFunctionCommand,
  type LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { isAwsError, NotFoundError } from '../../shared/errors.js';
import {
  type MappingFacts,
  type Readiness,
  type ReadinessFacts,
  readiness,
  type VersionFacts,
} from './readiness.js';

export interface ReadinessDeps {
  lambda: LambdaClient;
}

export interface ReadinessRequest {
  functionName: string;
  alias: string;
  /** The rollback plan's choice (a dry run); undefined when it found none. */
  knownGood?: string;
  whyKnownGood?: string;
  whyNoKnownGood?: string;
}

/**
 * Reads what readiness decides from, in this order and nothing else: GetAlias; GetFunction of the current
 * and the known-good version; ListEventSourceMappings for the alias, the current version and the
 * unqualified function. GetFunction rather than GetFunctionConfiguration: it returns the same configuration
 * and has its own 100 requests/s quota, outside the 15/s every other control-plane call shares (Lambda
 * quotas, "API requests"), which the fleet's writes need.
 */
export async function readReadinessFacts(
  deps: ReadinessDeps,
  request: ReadinessRequest,
): Promise<ReadinessFacts> {
  const { functionName, alias, knownGood } = request;
  const aliasConfig = await deps.lambda
    .send(new GetAliasCommand({ FunctionName: functionName, Name: alias }))
    .catch((error: unknown) => {
      // Lambda answers "Function not found" for a missing alias and a missing function alike. The rollback's
      // plan, read first, has already told them apart; this is only a race with a deletion.
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      throw new NotFoundError(`no alias ${alias} on function ${functionName}`, 'alias', error);
    });
  const current = String(aliasConfig.FunctionVersion);
  const currentVersion = await readVersion(deps, functionName, current);
  // An alias always names an existing version (Lambda refuses to delete one an alias routes to).
  if (!currentVersion) throw new NotFoundError(`${functionName} has no version ${current}`, 'functionName');
  const knownGoodVersion =
    knownGood === undefined
      ? undefined
      : knownGood === current
        ? currentVersion
        : await readVersion(deps, functionName, knownGood);
  return {
    functionName,
    alias,
    current,
    weights: { ...(aliasConfig.RoutingConfig?.AdditionalVersionWeights ?? {}) },
    ...(knownGood === undefined ? {} : { knownGood }),
    ...(request.whyKnownGood === undefined ? {} : { whyKnownGood: request.whyKnownGood }),
    ...(request.whyNoKnownGood === undefined ? {} : { whyNoKnownGood: request.whyNoKnownGood }),
    currentVersion,
    ...(knownGoodVersion ? { knownGoodVersion } : {}),
    mappings: await readMappings(deps, functionName, alias, current),
  };
}

/** Reads, then decides. */
export async function readReadiness(deps: ReadinessDeps, request: ReadinessRequest): Promise<Readiness> {
  return readiness(await readReadinessFacts(deps, request));
}

async function readVersion(
  deps: ReadinessDeps,
  functionName: string,
  version: string,
): Promise<VersionFacts | undefined> {
  try {
    const { Configuration: config } = await deps.lambda.send(
      new GetFunctionCommand({ FunctionName: functionName, Qualifier: version }),
    );
    return {
      version,
      ...defined('state', config?.State),
      ...defined('stateReason', config?.StateReason),
      ...defined('stateReasonCode', config?.StateReasonCode),
      ...defined('snapStart', config?.SnapStart?.OptimizationStatus),
      ...defined('role', config?.Role),
      ...defined('deadLetterTarget', config?.DeadLetterConfig?.TargetArn || undefined),
    };
  } catch (error) {
    // Only a version deleted since the rollback's plan chose it; any other failure is the caller's to report.
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

const defined = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

/**
 * Lambda filters ListEventSourceMappings by the qualifier given ("for a specific function version or an
 * alias"), so the alias, the live version and the unqualified function are each asked, alias first: what its
 * list returns is on the alias whatever FunctionArn says. Whatever the other lists return is placed by its
 * FunctionArn, so a broader answer is classified just as well. Mappings pinned to other versions are not
 * asked for (a call per version): they feed neither the live version nor $LATEST.
 */
async function readMappings(deps: ReadinessDeps, functionName: string, alias: string, current: string) {
  const found = new Map<string, MappingFacts>();
  for (const [qualified, underAlias] of [
    [`${functionName}:${alias}`, true],
    [`${functionName}:${current}`, false],
    [functionName, false],
  ] as const) {
    let Marker: string | undefined;
    do {
      const page = await deps.lambda.send(
        new ListEventSourceMappingsCommand({
          FunctionName: qualified,
          MaxItems: 100,
          ...(Marker ? { Marker } : {}),
        }),
      );
      for (const item of page.EventSourceMappings ?? []) {
        const uuid = String(item.UUID);
        if (found.has(uuid)) continue;
        found.set(uuid, {
          uuid,
          listedUnderAlias: underAlias,
          ...defined('functionArn', item.FunctionArn),
          ...defined('eventSourceArn', item.EventSourceArn),
          ...defined('state', item.State),
        });
      }
      Marker = page.NextMarker;
    } while (Marker);
  }
  return [...found.values()];
}
