// What moto lacks for a smoke test: moto's Lambda Invoke runs no code (it echoes the payload), so a hook
// invoking "version 4 of the workload" there would test nothing. This invoker stands in for Lambda Invoke off
// AWS: it reads the requested version's configuration from moto (so a version that does not exist fails as
// Invoke would), and runs the workload's real handler in-process with that version's environment — its
// GIT_SHA included, which is what the health probe answers with.
//
// Drill fault injection (local only, never in a deployed bundle): a version whose environment sets
// DRILL_FAULT=error answers every invocation with an Unhandled function error; DRILL_FAULT=hang never answers
// (until the caller gives up and aborts). That is how the drill publishes a "bad" or "hanging" version while
// every version runs the same source.
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Invoker } from '../../functions/pre-traffic/invoker.js';
import { type EmulatorState, functionLogicalId } from '../emulator/provision.js';
import { invokeFunction } from '../invoke.js';

function errorPayload(error: unknown) {
  return {
    errorType: error instanceof Error ? error.name : 'Error',
    errorMessage: error instanceof Error ? error.message : String(error),
  };
}

export function localWorkloadInvoker(state: EmulatorState, lambda: LambdaClient): Invoker {
  return async (request) => {
    const logicalId = functionLogicalId(state, request.functionName);
    if (!logicalId)
      throw new Error(`no function ${request.functionName} in the emulator stack ${state.stackName}`);
    const config = await lambda.send(
      new GetFunctionConfigurationCommand({
        FunctionName: request.functionName,
        Qualifier: request.qualifier,
      }),
      { abortSignal: request.signal },
    );
    const environment = config.Environment?.Variables ?? {};
    const executedVersion = String(config.Version ?? request.qualifier);
    const fault = environment.DRILL_FAULT;
    if (fault === 'hang') {
      await new Promise<never>((_, reject) => {
        const abort = () => reject(new Error('the invocation was abandoned by its caller'));
        if (request.signal.aborted) abort();
        request.signal.addEventListener('abort', abort, { once: true });
      });
    }
    if (fault === 'error') {
      return {
        functionError: 'Unhandled',
        payload: errorPayload(new Error('drill fault: this version fails every invocation')),
        executedVersion,
      };
    }
    try {
      const outcome = await invokeFunction({
        logicalId,
        event: request.payload,
        state,
        envVars: { [logicalId]: environment },
      });
      return { payload: outcome.result, executedVersion };
    } catch (error) {
      // A handler that throws is Lambda's `Unhandled` function error, with the error as the payload.
      return { functionError: 'Unhandled', payload: errorPayload(error), executedVersion };
    }
  };
}
