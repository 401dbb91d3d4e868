// The operator's remote path: requests to the ops API signed with SigV4. A local server checks each
// signature with the algorithm written out by hand from the IAM documentation (not with the signer the CLI
// uses), so a request the CLI builds wrongly — path, query, body, host, date or scope — is refused here as
// API Gateway would refuse it.
import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dlqCommand, healthCommand, rollbackCommand, schedulesCommand } from '../../cli/commands.js';
import { type ApiCall, callApi, regionOf } from '../../cli/remote.js';
import { transportFrom } from '../../cli/transport.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'secret-known-only-to-the-local-verifier',
};
const REGION = 'eu-west-1';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const encode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 verification as https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html lays it out. */
function verify(request: IncomingMessage, body: Buffer, secret: string): string | undefined {
  const auth =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      String(request.headers.authorization ?? ''),
    );
  if (!auth) return 'missing or malformed Authorization header';
  const [, , date, region, service, signedHeaderList, signature] = auth as unknown as string[];
  if (service !== 'execute-api') return `signed for service ${service}`;
  if (region !== REGION) return `signed for region ${region}`;
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date as string)) return 'x-amz-date does not match the credential scope';
  const signed = (signedHeaderList as string).split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const url = new URL(request.url ?? '/', 'http://verifier');
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const canonicalHeaders = signed
    .map(
      (name) =>
        `${name}:${String(request.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    request.method,
    url.pathname,
    canonicalQuery,
    canonicalHeaders,
    signedHeaderList,
    sha256(body),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secret}`, date as string), region as string), service as string),
    'aws4_request',
  );
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature ? undefined : 'signature mismatch';
}

let server: Server;
let apiUrl: string;
const seen: { method?: string; path?: string; body?: string; refusedBecause?: string }[] = [];
/** What the server answers the next signed call instead of 200 (API Gateway's own answers). */
let answerNext: { status: number; body: unknown } | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const why = verify(request, body, credentials.secretAccessKey);
      seen.push({
        method: request.method ?? '',
        path: request.url ?? '',
        body: body.toString('utf8'),
        ...(why ? { refusedBecause: why } : {}),
      });
      response.setHeader('content-type', 'application/json');
      if (why) {
        response.statusCode = 403;
        response.end(JSON.stringify({ message: 'Forbidden' }));
        return;
      }
      if (answerNext) {
        response.statusCode = answerNext.status;
        response.end(JSON.stringify(answerNext.body));
        answerNext = undefined;
        return;
      }
      response.statusCode = 200;
      response.end(JSON.stringify({ ok: true, changed: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A REST API's stage is part of its URL: routes are joined under it.
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

describe('callApi', () => {
  it('signs a POST that a SigV4 verifier accepts, body and stage path included', async () => {
    // Act
    const answer = await callApi(
      { apiUrl, method: 'POST', path: '/rollback', body: { functionName: 'trading', reason: 'v8 fails' } },
      { credentials: async () => credentials, region: REGION },
    );

    // Assess
    expect(seen).toEqual([
      { method: 'POST', path: '/prod/rollback', body: '{"functionName":"trading","reason":"v8 fails"}' },
    ]);
    expect(answer).toEqual({ status: 200, body: { ok: true, changed: true } });
  });

  it('signs the query of a GET, sorted and encoded as SigV4 wants', async () => {
    // Act
    const answer = await callApi(
      {
        apiUrl,
        method: 'GET',
        path: '/schedules/status',
        query: { group: 'trading jobs', namePrefix: 'daily*' },
      },
      { credentials: async () => credentials, region: REGION },
    );

    // Assess
    expect(seen[0]?.refusedBecause).toBeUndefined();
    expect(answer.status).toBe(200);
  });

  it('is refused when signed with the wrong secret', async () => {
    const answer = await callApi(
      { apiUrl, method: 'POST', path: '/rollback', body: {} },
      { credentials: async () => ({ ...credentials, secretAccessKey: 'not-the-secret' }), region: REGION },
    );

    expect(seen[0]?.refusedBecause).toBe('signature mismatch');
    expect(answer.status).toBe(403);
  });
});

describe('callApi against botocore, an independent SigV4 signer', () => {
  const AMZ_DATE = '20261127T093500Z';
  const botocore = join(dirname(fileURLToPath(import.meta.url)), 'support', 'botocore_sigv4.py');
  const queries: Record<string, string>[] = [
    { group: 'trading jobs' },
    { namePrefix: 'a+b', schedule: 'grp/daily run' },
    { tilde: '~home~', star: "daily*(1)!'" },
    { 'key with space': 'münchen ☃ 東京' },
    { 'a&b': 'c=d&e', slash: '/x/y?z#w', percent: '100% sure' },
    { empty: '', z: 'last', A: 'first' },
  ];

  interface Sent {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string | null;
  }

  async function send(call: Omit<ApiCall, 'apiUrl'>, creds: typeof credentials & { sessionToken?: string }) {
    const sent: Sent[] = [];
    const fakeFetch = (async (url: URL | string, init?: RequestInit) => {
      sent.push({
        method: String(init?.method),
        url: String(url),
        headers: { ...(init?.headers as Record<string, string>) },
        body: typeof init?.body === 'string' ? init.body : null,
      });
      return new Response('{}', { status: 200 });
    }) as typeof fetch;
    await callApi(
      { apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod', ...call },
      { credentials: async () => creds, region: REGION, fetch: fakeFetch },
    );
    return sent[0] as Sent;
  }

  function botocoreAuthorization(requests: (Sent & { creds: Record<string, string> })[]): string[] {
    const input = requests.map(({ creds, ...request }) => ({
      ...request,
      ...creds,
      region: REGION,
      service: 'execute-api',
      amzDate: AMZ_DATE,
    }));
    const result = spawnSync('python3', [botocore], { input: JSON.stringify(input), encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`botocore (python3 -c 'import botocore') failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as string[];
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-27T09:35:00Z'));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs exactly the query bytes it sends: spaces, +, ~, reserved characters and unicode', async () => {
    // Prepare
    const sent: (Sent & { creds: Record<string, string> })[] = [];
    for (const query of queries) {
      sent.push({
        ...(await send({ method: 'GET', path: '/schedules/status', query }, credentials)),
        creds: credentials,
      });
    }
    const withToken = { ...credentials, sessionToken: 'FwoGZXIvYXdzE+token/with=chars' };
    sent.push({
      ...(await send(
        { method: 'POST', path: '/dlq/drain', query: { q: 'x y' }, body: { reason: 'a b+c' } },
        withToken,
      )),
      creds: withToken,
    });

    // Act
    const expected = botocoreAuthorization(sent);

    // Assess: one comparison per request, so a failure shows which query was signed wrong.
    expect(sent.map((request) => `${request.url}\n${request.headers.authorization}`)).toEqual(
      sent.map((request, index) => `${request.url}\n${expected[index]}`),
    );
    expect(sent[0]?.url).toBe(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/schedules/status?group=trading%20jobs',
    );
  });
});

describe('runbook rollback through the API', () => {
  const args = ['--function', 'trading', '--to-version', '7', '--reason', 'v8 fails every order', '--yes'];
  const cloudformation = mockClient(CloudFormationClient);
  let stderr: string;

  beforeEach(() => {
    cloudformation.reset();
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
  });

  it('reads the API URL from the stack outputs and sends the request without a claimed actor', async () => {
    // Prepare
    cloudformation.on(DescribeStacksCommand, { StackName: 'lambda-runbook-prod' }).resolves({
      Stacks: [
        {
          StackName: 'lambda-runbook-prod',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [{ OutputKey: 'OpsApiUrl', OutputValue: apiUrl }],
        },
      ],
    });

    // Act
    const code = await rollbackCommand([...args, '--stack', 'lambda-runbook-prod'], {
      credentials: async () => credentials,
      region: REGION,
    });

    // Assess
    expect(code, stderr).toBe(0);
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      functionName: 'trading',
      toVersion: '7',
      reason: 'v8 fails every order',
    });
  });

  it('reports a 403 plainly, as IAM refusing the caller, and exits 1', async () => {
    // Act
    const code = await rollbackCommand([...args, '--api-url', apiUrl], {
      credentials: async () => ({ ...credentials, secretAccessKey: 'revoked' }),
      region: REGION,
    });

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('the API refused POST /rollback (403 Forbidden: Forbidden)');
    expect(stderr).toContain('IAM does not allow');
  });

  it('says plainly that API Gateway’s 503 after its 30 s is no failure: the action may have been carried out, and where to look', async () => {
    // Prepare: API Gateway's answer when the function has not answered within its integration timeout
    answerNext = { status: 503, body: { message: 'Service Unavailable' } };

    // Act
    const code = await rollbackCommand([...args, '--api-url', apiUrl], {
      credentials: async () => credentials,
      region: REGION,
    });

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('POST /rollback: API Gateway answered 503 Service Unavailable');
    expect(stderr).toContain('the action may have been carried out');
    expect(stderr).toContain('`runbook timeline --since 15m --stack NAME`');
  });
});

describe('the other commands through the API', () => {
  const deps = { credentials: async () => credentials, region: REGION };

  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  it('reads the build and live state from GET /health/metadata', async () => {
    expect(await healthCommand(['--metadata', '--api-url', apiUrl], deps)).toBe(0);
    expect(seen).toEqual([{ method: 'GET', path: '/prod/health/metadata', body: '' }]);
  });

  it('asks GET /schedules/status with the selector as a signed query', async () => {
    // Act
    const code = await schedulesCommand(
      ['status', '--group', 'trading jobs', '--name-prefix', 'daily', '--api-url', apiUrl],
      deps,
    );

    // Assess
    expect(code).toBe(0);
    expect(seen).toEqual([
      { method: 'GET', path: '/prod/schedules/status?group=trading%20jobs&namePrefix=daily', body: '' },
    ]);
  });

  it('disables through POST /schedules/disable, the action named by the route', async () => {
    // Act
    const code = await schedulesCommand(
      ['disable', '--group', 'g', '--all', '--reason', 'runaway', '--yes', '--api-url', apiUrl],
      deps,
    );

    // Assess
    expect(code).toBe(0);
    expect(seen[0]?.path).toBe('/prod/schedules/disable');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      action: 'disable',
      group: 'g',
      all: true,
      reason: 'runaway',
    });
  });

  it('drains through POST /dlq/drain with the request less its mode and actor', async () => {
    // Act
    const code = await dlqCommand(
      [
        'drain',
        '--queue',
        'trading-dlq',
        '--rate',
        '5',
        '--reason',
        'vendor back',
        '--yes',
        '--api-url',
        apiUrl,
      ],
      deps,
    );

    // Assess
    expect(code).toBe(0);
    expect(seen[0]?.path).toBe('/prod/dlq/drain');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      queue: 'trading-dlq',
      reason: 'vendor back',
      ratePerSecond: 5,
    });
  });
});

describe('transport flags', () => {
  it.each([
    [{}, { via: 'local', emulator: false }],
    [{ emulator: true }, { via: 'local', emulator: true }],
    [{ stack: 's' }, { via: 'api', stack: 's' }],
    [
      { 'api-url': 'https://x.execute-api.eu-west-1.amazonaws.com' },
      { via: 'api', apiUrl: 'https://x.execute-api.eu-west-1.amazonaws.com' },
    ],
    [
      { via: 'lambda', 'runbook-function': 'f' },
      { via: 'lambda', functionName: 'f' },
    ],
    [{ via: 'lambda' }, { error: '--via lambda needs --runbook-function NAME' }],
    [{ stack: 's', 'api-url': 'https://x' }, { error: 'give --api-url or --stack, not both' }],
    [{ 'api-url': 'x.example.com' }, { error: '--api-url must be an http(s) URL, got x.example.com' }],
    [{ stack: 's', emulator: true }, { error: '--emulator runs locally; it cannot be combined with --via' }],
    [{ via: 'ssh' }, { error: '--via must be local, lambda or api, got ssh' }],
  ])('%o → %o', (values, expected) => {
    expect(transportFrom(values)).toEqual(expected);
  });

  it('reads the region from an execute-api host, else falls back', () => {
    expect(regionOf('https://a1b2c3.execute-api.ap-southeast-2.amazonaws.com/prod', undefined)).toBe(
      'ap-southeast-2',
    );
    expect(regionOf('http://127.0.0.1:9000', 'us-east-1')).toBe('us-east-1');
    expect(() => regionOf('https://ops.example.com', undefined)).toThrow(/set AWS_REGION/);
  });
});
