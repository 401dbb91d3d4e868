// Whether a Lambda target exists before anything is received (issue 13, point 8). moto answers Invoke with 202
// even for a missing function or alias, and a drainer trusting that would delete every message; AWS answers
// 404 (ResourceNotFoundException), but only after the first message was received. GetFunction checks the
// function, GetAlias an alias, GetFunction with a Qualifier a version
// (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html, https://docs.aws.amazon.com/lambda/latest/api/API_GetAlias.html).
import { GetAliasCommand, GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { isAwsError } from '../../shared/errors.js';

const missing = (error: unknown) => isAwsError(error, 'ResourceNotFoundException');

/** Why the target cannot be invoked (it or its qualifier does not exist), or undefined when it can. */
export async function lambdaTargetProblem(
  lambda: LambdaClient,
  functionName: string,
  qualifier: string,
): Promise<string | undefined> {
  try {
    await lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    if (missing(error)) return `no function ${functionName}`;
    throw error;
  }
  try {
    if (/^\d+$/.test(qualifier)) {
      await lambda.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier }));
    } else if (qualifier !== '$LATEST') {
      await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: qualifier }));
    }
  } catch (error) {
    if (missing(error))
      return `function ${functionName} has no ${/^\d+$/.test(qualifier) ? 'version' : 'alias'} ${qualifier}`;
    throw error;
  }
  return undefined;
}

/** lambdaTargetProblem, asked once per function and qualifier for a whole run. */
export function lambdaTargetChecker(
  lambda: LambdaClient,
): (functionName: string, qualifier: string) => Promise<string | undefined> {
  const checks = new Map<string, Promise<string | undefined>>();
  return (functionName, qualifier) => {
    const key = `${functionName}:${qualifier}`;
    let found = checks.get(key);
    if (!found) {
      found = lambdaTargetProblem(lambda, functionName, qualifier);
      checks.set(key, found);
    }
    return found;
  };
}

/**
 * The documented success of an Invoke: 202 for an asynchronous (Event) invocation, 200 for RequestResponse,
 * and no FunctionError (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_ResponseSyntax).
 * Anything else keeps the message.
 */
export function invokeProblem(
  answer: { StatusCode?: number; FunctionError?: string },
  invocationType: 'Event' | 'RequestResponse',
): string | undefined {
  const expected = invocationType === 'Event' ? 202 : 200;
  if (answer.StatusCode !== expected)
    return `Invoke answered status ${answer.StatusCode ?? 'none'}, not ${expected}`;
  if (answer.FunctionError) return `Invoke answered FunctionError ${answer.FunctionError}`;
  return undefined;
}
