// Reading the alias and its function's versions from Lambda: what plan.ts decides from and act.ts re-checks.
import {
  type AliasConfiguration,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { isAwsError, NotFoundError } from '../../shared/errors.js';
import type { PublishedVersion } from './choose.js';
import type { RollbackDeps, Weights } from './types.js';

export function weightsOf(alias: AliasConfiguration): Weights {
  return { ...(alias.RoutingConfig?.AdditionalVersionWeights ?? {}) };
}

export function describeAlias(alias: AliasConfiguration): string {
  const weights = weightsOf(alias);
  return Object.keys(weights).length > 0
    ? `version ${alias.FunctionVersion} with weights ${JSON.stringify(weights)}`
    : `version ${alias.FunctionVersion}`;
}

/** Whether the alias serves exactly `version`, with no additional weights. */
export function servesOnly(alias: AliasConfiguration, version: string): boolean {
  return alias.FunctionVersion === version && Object.keys(weightsOf(alias)).length === 0;
}

type LambdaDeps = Pick<RollbackDeps, 'lambda'>;

export async function readAlias(
  deps: LambdaDeps,
  functionName: string,
  alias: string,
): Promise<AliasConfiguration> {
  try {
    return await deps.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      // Lambda says "Function not found" for both a missing function and a missing alias; tell them apart
      // by the function's own configuration only when the caller needs to know which field is wrong.
      const functionExists = await deps.lambda
        .send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
        .then(
          () => true,
          (cause: unknown) => !isAwsError(cause, 'ResourceNotFoundException'),
        );
      throw functionExists
        ? new NotFoundError(`function ${functionName} has no alias ${alias}`, 'alias', error)
        : new NotFoundError(`no function ${functionName}`, 'functionName', error);
    }
    throw error;
  }
}

export async function listVersions(deps: LambdaDeps, functionName: string): Promise<PublishedVersion[]> {
  const versions: PublishedVersion[] = [];
  let Marker: string | undefined;
  do {
    const page = await deps.lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker, MaxItems: 50 }),
    );
    for (const item of page.Versions ?? []) {
      if (item.Version && item.Version !== '$LATEST') {
        versions.push({
          version: item.Version,
          ...(item.Description ? { description: item.Description } : {}),
        });
      }
    }
    Marker = page.NextMarker;
  } while (Marker);
  return versions;
}

export async function versionExists(
  deps: LambdaDeps,
  functionName: string,
  version: string,
): Promise<boolean> {
  try {
    await deps.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
}
