// The operator's remote path: the runbook's API, called with a SigV4 signature from the standard AWS
// credential chain (environment, profiles, SSO, instance roles — what the AWS CLI would use), the API's URL
// given or read from the stack's `OpsApiUrl` output. The routes are AWS_IAM-authorized, so an unsigned or
// wrongly signed call never reaches a function.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { createHash, createHmac } from 'node:crypto';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';
import { gaveUpMessage, SERVICE_UNAVAILABLE } from '../local/api-door.js';

/** SHA-256 (and HMAC-SHA-256 with a secret) for the signer, from node:crypto: no extra dependency. */
export class Sha256 implements Checksum {
  private hash;
  private readonly secret: SourceData | undefined;

  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = this.fresh();
  }

  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }

  update(data: Uint8Array | string): void {
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** `https://abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`; otherwise the fallback. */
export function regionOf(apiUrl: string, fallback: string | undefined): string {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(apiUrl).hostname);
  const region = match?.[1] ?? fallback;
  if (!region) throw new Error(`cannot tell the region of ${apiUrl}: set AWS_REGION`);
  return region;
}

/** The stack's `OpsApiUrl` output and its id (an ARN that names the account). */
export async function stackApi(
  stackName: string,
  cloudformation: CloudFormationClient,
): Promise<{ apiUrl: string; stackId?: string }> {
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  const url = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'OpsApiUrl')?.OutputValue;
  if (!url) throw new Error(`stack ${stackName} has no OpsApiUrl output: is it a lambda-runbook stack?`);
  return { apiUrl: url, ...(Stacks?.[0]?.StackId ? { stackId: Stacks[0].StackId } : {}) };
}

/** RFC 3986 percent-encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~`, in UTF-8, upper-case hex. */
export const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The query string as SigV4's canonical request writes it (keys sorted, each key and value RFC 3986-encoded):
 * sending these very bytes means the server's canonical query is the one that was signed.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request
 */
export function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

export interface ApiCall {
  apiUrl: string;
  method: 'GET' | 'POST';
  /** Route path, e.g. `/rollback`; joined to the API URL's own path (a REST API stage). */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export interface RemoteDeps {
  credentials?: () => Promise<AwsCredentialIdentity>;
  region?: string;
  fetch?: typeof fetch;
}

/** Sends one signed request and returns the status and the parsed JSON body (or the raw text). */
export async function callApi(call: ApiCall, deps: RemoteDeps = {}): Promise<ApiAnswer> {
  const base = new URL(call.apiUrl);
  const path = `${base.pathname.replace(/\/$/, '')}${call.path}`;
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: deps.region ?? regionOf(call.apiUrl, process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION),
    credentials: deps.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: call.method,
    protocol: base.protocol,
    hostname: base.hostname,
    ...(base.port ? { port: Number(base.port) } : {}),
    path,
    query: call.query ?? {},
    headers: {
      host: base.host,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  // The query is sent in exactly the encoding SigV4 signs (RFC 3986: a space is %20, `~` stays), never
  // URLSearchParams' form encoding (a space becomes `+`), which the signature would not match.
  const url = new URL(path, base);
  url.search = canonicalQuery(call.query ?? {});
  // fetch sets Host itself and refuses to be given one.
  const { host: _host, ...headers } = signed.headers;
  const response = await (deps.fetch ?? fetch)(url, {
    method: call.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (an HTML error page from a proxy): keep the text for the operator.
  }
  return { status: response.status, body: parsed };
}

/**
 * What to tell an operator, instead of an answer, when the API refused the call before any function ran, or
 * stopped waiting for the function (which may then have acted).
 */
export function refusal(answer: ApiAnswer, call: ApiCall, door = ' --stack NAME'): string | undefined {
  const message =
    typeof answer.body === 'object' && answer.body !== null && 'message' in answer.body
      ? String((answer.body as { message: unknown }).message)
      : typeof answer.body === 'string'
        ? answer.body.slice(0, 200)
        : '';
  if (answer.status === 403)
    return (
      `the API refused ${call.method} ${call.path} (403 Forbidden${message ? `: ${message}` : ''}). ` +
      'Your AWS credentials were read and the request was signed, but IAM does not allow them to call this ' +
      'route: check `aws sts get-caller-identity` and that the identity has execute-api:Invoke on it.'
    );
  // API Gateway's own answer when the function took longer than it waits (30 s): the function went on.
  if (answer.status === 503 && message === SERVICE_UNAVAILABLE.body.message) return gaveUpMessage(call, door);
  if (answer.status === 401)
    return `the API could not authenticate ${call.method} ${call.path} (401${message ? `: ${message}` : ''}): are AWS credentials configured?`;
  return undefined;
}
