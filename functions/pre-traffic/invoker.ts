// How the hook invokes the version under test. In Lambda: a synchronous Invoke of that exact version
// (`Qualifier`), marked as smoke traffic in the client context so the workload (and its logs) can tell it apart
// from real runs. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
//
// It is a replaceable singleton (like the SDK clients in shared/clients.ts) because moto's Invoke runs no code:
// off AWS, local/codedeploy/ puts in an invoker that runs the workload's real handler in-process with the
// configuration of the requested version. Nothing in a deployed bundle replaces it.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { lambdaClient, lazy } from '../../shared/clients.js';

export interface InvokeRequest {
  functionName: string;
  /** A published version number: the hook never invokes an alias or $LATEST. */
  qualifier: string;
  payload: unknown;
  /** Base64 JSON, as Lambda's ClientContext. */
  clientContext: string;
  signal: AbortSignal;
}

export interface InvokeAnswer {
  /** Set when the function raised an error (`Unhandled`), as Lambda's X-Amz-Function-Error. */
  functionError?: string;
  /** The answer, parsed as JSON when it is JSON. */
  payload: unknown;
  /** The version that ran, as Lambda reports it. */
  executedVersion?: string;
}

export type Invoker = (request: InvokeRequest) => Promise<InvokeAnswer>;

/** `{"custom":{"runbook":"smoke"}}`: what the workload sees as `context.clientContext.custom`. */
export const SMOKE_CLIENT_CONTEXT = Buffer.from(JSON.stringify({ custom: { runbook: 'smoke' } })).toString(
  'base64',
);

export function decodePayload(bytes: Uint8Array | undefined): unknown {
  const text = Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function lambdaInvoker(lambda: LambdaClient): Invoker {
  return async (request) => {
    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: request.functionName,
        Qualifier: request.qualifier,
        InvocationType: 'RequestResponse',
        ClientContext: request.clientContext,
        Payload: Buffer.from(JSON.stringify(request.payload)),
      }),
      { abortSignal: request.signal },
    );
    return {
      ...(answer.FunctionError ? { functionError: answer.FunctionError } : {}),
      payload: decodePayload(answer.Payload),
      ...(answer.ExecutedVersion ? { executedVersion: answer.ExecutedVersion } : {}),
    };
  };
}

/** The invoker the deployed hook uses; see the header for why it can be replaced. */
export const workloadInvoker = /* @__PURE__ */ lazy<Invoker>(() => lambdaInvoker(lambdaClient()));
