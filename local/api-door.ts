// The ops API's door, off AWS: what API Gateway (HTTP API, AWS_IAM) hands a function, built here for the
// emulator. API Gateway verifies the SigV4 signature and passes the caller's principal as
// requestContext.authorizer.iam.userArn; here the principal is what STS says the current credentials are on the
// emulator (moto answers GetCallerIdentity for the IAM user or role that owns the access key). Used for the
// routes that exist only through the API (approvals): their caller must be a principal, never a claim.
// API Gateway also stops waiting for the function after 30 s and answers the caller 503 while the function goes
// on (throughApiGateway): so an action that would act on past its API call's time shows here, as on AWS.
import { randomUUID } from 'node:crypto';
import { API_GATEWAY_TIMEOUT_MS } from '../shared/api-budget.js';

export interface LocalApiCall {
  method: 'GET' | 'POST';
  /** The path as called (`/approvals/2026…/approve`) and the route as declared (`POST /approvals/{id}/approve`). */
  path: string;
  routeKey: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
}

/**
 * Who the caller is on the emulator. The CLI points every SDK call at the emulator with moto's test keys (it
 * never sends real keys there: cli/target.ts), so by default everybody is moto's default principal. `as` names
 * another person: a session of the emulator's operator role, assumed on the emulator's STS — the principal is
 * still what STS answers, as API Gateway's is what SigV4 proved. Emulator only: on AWS, your credentials are you.
 */
export async function callerPrincipal(as?: string): Promise<string> {
  // Imported here: the CLI imports this module for SESSION_NAME at every start, and STS only for --as / --via api.
  const { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({});
  try {
    if (as) {
      const { AssumedRoleUser } = await sts.send(
        new AssumeRoleCommand({ RoleArn: EMULATOR_OPERATOR_ROLE, RoleSessionName: as }),
      );
      if (!AssumedRoleUser?.Arn) throw new Error('the emulator answered AssumeRole without a principal');
      return AssumedRoleUser.Arn;
    }
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('STS GetCallerIdentity answered no ARN');
    return Arn;
  } finally {
    sts.destroy();
  }
}

/** The role whose sessions stand for people on the emulator (moto does not check that it exists). */
export const EMULATOR_OPERATOR_ROLE = 'arn:aws:iam::123456789012:role/OnCall';

/** A session name STS accepts: 2 to 64 of letters, digits and =,.@- */
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** An API Gateway v2 (payload 2.0) event for one call, signed (as API Gateway would say) by `principal`. */
export function localApiEvent(call: LocalApiCall, principal: string) {
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: call.routeKey,
    rawPath: call.path,
    rawQueryString: new URLSearchParams(call.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', 'user-agent': 'runbook-cli (local API door)' },
    ...(call.query && Object.keys(call.query).length > 0 ? { queryStringParameters: call.query } : {}),
    ...(call.params ? { pathParameters: call.params } : {}),
    requestContext: {
      accountId: principal.split(':')[4] ?? '123456789012',
      apiId: 'local',
      http: { method: call.method, path: call.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      requestId,
      routeKey: call.routeKey,
      stage: '$default',
      timeEpoch: Date.now(),
      authorizer: { iam: { userArn: principal } },
    },
    isBase64Encoded: false,
    body: call.body && call.method !== 'GET' ? JSON.stringify(call.body) : null,
  };
}

/**
 * The wait on the emulator: API_GATEWAY_TIMEOUT_MS, or less with RUNBOOK_API_GATEWAY_TIMEOUT_MS (a rehearsal or a
 * test that should not take 30 s); never more, since API Gateway never waits longer.
 */
export function apiGatewayWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.RUNBOOK_API_GATEWAY_TIMEOUT_MS);
  return Number.isInteger(asked) && asked > 0
    ? Math.min(asked, API_GATEWAY_TIMEOUT_MS)
    : API_GATEWAY_TIMEOUT_MS;
}

/** What an HTTP API answers the caller when the function has not answered in time. */
export const SERVICE_UNAVAILABLE = { statusCode: 503, body: { message: 'Service Unavailable' } } as const;

const stillRunning = new Set<Promise<void>>();

/**
 * A function's invocation as API Gateway waits for it: its answer, or, past `waitMs`, API Gateway's 503 while
 * the invocation goes on (Lambda does not stop a function whose caller has gone; invocationsFinished awaits it).
 */
export async function throughApiGateway<T>(
  invocation: Promise<T>,
  waitMs = apiGatewayWaitMs(),
  onLate: (outcome: { value?: T; error?: unknown }) => void = () => undefined,
): Promise<{ answered: T } | { gaveUp: typeof SERVICE_UNAVAILABLE }> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'gave up'>((resolve) => {
    timer = setTimeout(() => resolve('gave up'), waitMs);
  });
  try {
    const first = await Promise.race([invocation.then((value) => ({ answered: value })), gaveUp]);
    if (first !== 'gave up') return first;
  } finally {
    clearTimeout(timer);
  }
  const late: Promise<void> = invocation
    .then(
      (value) => onLate({ value }),
      (error: unknown) => onLate({ error }),
    )
    .finally(() => stillRunning.delete(late));
  stillRunning.add(late);
  return { gaveUp: SERVICE_UNAVAILABLE };
}

/** Resolves when every invocation API Gateway gave up on has finished: the emulator must not stop under them. */
export async function invocationsFinished(): Promise<void> {
  await Promise.all([...stillRunning]);
}

/**
 * What a caller must know of API Gateway's 503 `Service Unavailable`: not that the action failed — the function
 * goes on after API Gateway stops waiting, so it may have acted, in part or in full. `door`: the flags that reach
 * the same stack (` --stack NAME`), empty on the emulator.
 */
export function gaveUpMessage(call: { method: string; path: string }, door: string): string {
  return (
    `${call.method} ${call.path}: API Gateway answered 503 Service Unavailable: it stops waiting for a function ` +
    `after ${API_GATEWAY_TIMEOUT_MS / 1000} s, but the function goes on, so the action may have been carried out, ` +
    `in part or in full. Do not take this for a failure: see what was done with \`runbook timeline --since 15m${door}\` ` +
    '(the audit ledger) before asking again; the same request resumes what was left.'
  );
}
