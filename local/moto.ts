/**
 * The local stand-in for AWS: a moto server on the loopback interface, started for tests, the drill and
 * `npm run emulator`. Never bundled into a Lambda function.
 *
 * @see http://docs.getmoto.org/en/latest/docs/server_mode.html
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from './template.js';

const HOST = '127.0.0.1';
const INSTALL_HINT = 'Install it with: pip install "moto[server]" (python3 is required).';
const OUTPUT_LINES_KEPT = 50;
const POLL_INTERVAL_MS = 100;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const SERVER_SCRIPT = join(projectRoot, 'local', 'moto_server.py');
/**
 * The socket of a moto fork server (local/moto_server.py --fork-server), when one runs: startMoto then forks a
 * warmed server from it instead of starting python3 and moto anew. The test suite sets it (test/global-setup.ts).
 */
export const FORK_SERVER_ENV = 'RUNBOOK_MOTO_FORK_SERVER';

/** Thrown when python3 or the moto server package is missing; the message says how to install it. */
export class MotoUnavailableError extends Error {
  override name = 'MotoUnavailableError';
}

/** Thrown when moto was found but did not come up (port taken, crash, timeout); carries its last output. */
export class MotoStartError extends Error {
  override name = 'MotoStartError';
}

export interface MotoServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  endpoint: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Port on 127.0.0.1; by default a free one is picked. */
  port?: number;
  /** When false, moto's own log lines are echoed to stderr. Default true. */
  quiet?: boolean;
  /** The Python interpreter to run moto with. Default `python3`. */
  python?: string;
  /** How long to wait for the server to answer. Default 30 s. */
  startTimeoutMs?: number;
}

/**
 * Starts a moto server on 127.0.0.1, waits until it answers and configures it so Lambda functions can be
 * created without Docker.
 *
 * @example
 * const moto = await startMoto();
 * Object.assign(process.env, emulatorEnv(moto.endpoint));
 * // … use the SDK …
 * await moto.stop();
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const python = options.python ?? 'python3';
  const quiet = options.quiet ?? true;
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  if (options.port !== undefined) {
    // Check first: an answer on a taken port would come from whatever already listens there, not our moto.
    await assertPortFree(options.port);
  }
  const port = options.port ?? (await freeLoopbackPort());
  const endpoint = `http://${HOST}:${port}`;
  const forkServer = process.env[FORK_SERVER_ENV];
  // A server of the fork server's writes its log nowhere this process reads: one asked to show it is started.
  if (forkServer && options.python === undefined && quiet)
    return startForked(forkServer, port, endpoint, timeoutMs);

  const output: string[] = [];
  // `python3 -m moto.server` with two per-request costs taken off (local/moto_server.py says which): it is the
  // same server, and most of the CPU of the tests, the drill and the bench.
  const child = spawn(python, [SERVER_SCRIPT, '-H', HOST, '-p', String(port)], {
    detached: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PYTHONUNBUFFERED: '1',
      // One line per request on stderr, which only a person watching (not quiet) reads.
      RUNBOOK_MOTO_REQUEST_LOG: quiet ? '0' : '1',
    },
  });
  // Keep draining both pipes for the server's whole life: a full pipe would block moto's logging.
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (!quiet) process.stderr.write(text);
    keepLines(output, text);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const killOnExit = () => {
    child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      await terminate(child, exited);
    })();
    return stopping;
  };

  try {
    await waitUntilAnswering(endpoint, () => childExit(child, spawnError, output, port), timeoutMs, output);
    await configureMoto(endpoint);
  } catch (error) {
    await stop();
    // Why it did not start, asked only now that it has not: a missing python3 or moto is said with the
    // install hint. (Probing before every start cost a second python import, ~0.5 s, on every start.)
    if (error instanceof MotoStartError) assertMotoInstalled(python);
    throw error;
  }
  return { endpoint, port, stop };
}

export interface MotoForkServer {
  /** The socket to put in RUNBOOK_MOTO_FORK_SERVER. */
  socketPath: string;
  /** Stops the fork server; the servers forked from it stop with their owners. */
  stop(): Promise<void>;
}

/**
 * Starts a moto fork server (local/moto_server.py --fork-server): moto loaded and warmed once, then a fresh
 * server forked in ~30 ms for every startMoto of a process that has RUNBOOK_MOTO_FORK_SERVER set to its socket,
 * instead of ~2 CPU-s to start python3, import moto and load each service on first use.
 */
export async function startMotoForkServer(
  socketPath: string,
  options: { python?: string; startTimeoutMs?: number } = {},
): Promise<MotoForkServer> {
  const python = options.python ?? 'python3';
  const child = spawn(python, [SERVER_SCRIPT, '--fork-server', socketPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  // A python3 that cannot be run emits 'error', and no 'exit'.
  const failed = new Promise<void>((resolve) =>
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    }),
  );
  const ready = new Promise<void>((resolve) => {
    const keep = (chunk: Buffer) => {
      keepLines(output, chunk.toString('utf8'));
      if (output.some((line) => line.startsWith('fork server ready'))) resolve();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
  });
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await terminate(child, exited);
  };
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS * 2;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    Promise.race([exited, failed]).then(() => 'exited' as const),
    sleep(timeoutMs, 'timeout' as const, { ref: false }),
  ]);
  if (outcome === 'ready') return { socketPath, stop };
  await stop();
  // A missing python3 or moto is said with the install hint.
  if (spawnError !== undefined || outcome === 'exited') assertMotoInstalled(python);
  throw new MotoStartError(
    `The moto fork server ${outcome === 'timeout' ? `did not start within ${timeoutMs} ms` : 'exited before it was ready'}.\n--- moto output ---\n${output.join('\n')}`,
  );
}

/**
 * Clears every resource in the server. Tests share one server and isolate by unique names instead; this is
 * for the drill and manual sessions.
 */
export async function resetMoto(endpoint: string): Promise<void> {
  await postMotoApi(endpoint, '/moto-api/reset');
  // In moto 5.2.1 reset only clears the service backends: the config lives in moto.core.config's
  // module-level `default_user_config`, which reset leaves alone (measured). Re-applying costs one request
  // and keeps us correct if a later moto resets config too.
  await configureMoto(endpoint);
}

/**
 * Makes sure an IAM role Lambda can assume exists in moto and returns its ARN. moto refuses CreateFunction
 * unless the role exists ("The role defined for the function cannot be assumed by Lambda"), and the IAM
 * client is not a dependency, so this speaks IAM's query protocol directly. Idempotent.
 *
 * @example
 * const role = await ensureLambdaRole(moto.endpoint);
 * await lambda.send(new CreateFunctionCommand({ FunctionName, Role: role, … }));
 */
export async function ensureLambdaRole(endpoint: string, roleName = 'lambda-runbook-local'): Promise<string> {
  // Created first, read only when it exists already: a stack's provisioning makes one role per function, each
  // new, so this is one request per role rather than a look that finds nothing and then the create.
  const created = await iamQuery(endpoint, {
    Action: 'CreateRole',
    RoleName: roleName,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  if (created.ok) return roleArn(created.text);
  // It exists (an earlier run, or another test file's at the same moment): that is the state we wanted.
  if (created.text.includes('<Code>EntityAlreadyExists</Code>')) {
    const existing = await iamQuery(endpoint, { Action: 'GetRole', RoleName: roleName });
    if (existing.ok) return roleArn(existing.text);
  }
  throw new Error(
    `Could not create IAM role ${roleName} in moto: HTTP ${created.status} ${created.text.slice(0, 500)}`,
  );
}

/**
 * One IAM query, made up to three times while moto answers 5xx: its server answers a rare 500 (an HTML page)
 * when concurrent requests race inside it, as several test files provisioning at once do. GetRole and
 * CreateRole are both implemented, so a 500 here is never an unimplemented call.
 */
async function iamQuery(
  endpoint: string,
  params: Record<string, string>,
): Promise<{ ok: boolean; status: number; text: string }> {
  for (let attempt = 1; ; attempt++) {
    const answer = await iamQueryOnce(endpoint, params);
    if (answer.status < 500 || attempt === 3) return answer;
    await sleep(100 * attempt);
  }
}

async function iamQueryOnce(
  endpoint: string,
  params: Record<string, string>,
): Promise<{ ok: boolean; status: number; text: string }> {
  const response = await fetch(`${endpoint.replace(/\/+$/, '')}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes a request to a service by the credential scope; it does not check the signature.
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }),
    signal: AbortSignal.timeout(10_000),
  });
  return { ok: response.ok, status: response.status, text: await response.text() };
}

function roleArn(xml: string): string {
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1];
  if (arn === undefined) throw new Error(`moto IAM answer has no role ARN: ${xml.slice(0, 500)}`);
  return arn;
}

/**
 * The environment that points the AWS SDK (and Powertools) at the emulator.
 */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    // moto answers unimplemented operations with HTTP 500, which the SDK would otherwise retry with backoff.
    AWS_MAX_ATTEMPTS: '1',
    POWERTOOLS_TRACE_ENABLED: 'false',
    // Credentials come from the variables above; never wait on the instance metadata service.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * Throws unless every configured SDK endpoint is on 127.0.0.1, so code under test can never reach a real
 * account. Checks `AWS_ENDPOINT_URL`, the per-service `AWS_ENDPOINT_URL_<SERVICE>` overrides (which win over
 * it), and refuses `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, which would make the SDK skip them all.
 *
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 * @returns the parsed `AWS_ENDPOINT_URL`.
 */
export function assertLoopbackEndpoint(env: NodeJS.ProcessEnv = process.env): URL {
  const raw = env.AWS_ENDPOINT_URL;
  if (raw === undefined || raw === '') {
    throw new Error(
      `AWS_ENDPOINT_URL is not set; refusing to run against AWS. Expected http://${HOST}:PORT.`,
    );
  }
  const url = loopbackUrl('AWS_ENDPOINT_URL', raw);
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('AWS_ENDPOINT_URL_') && value !== undefined && value !== '') loopbackUrl(name, value);
  }
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  if (ignore !== undefined && ignore.toLowerCase() === 'true') {
    throw new Error('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true would make the SDK ignore AWS_ENDPOINT_URL.');
  }
  return url;
}

function loopbackUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new Error(`${name} is not a URL: ${JSON.stringify(raw)}. Expected http://${HOST}:PORT.`, {
      cause: error,
    });
  }
  // Only the exact address we start moto on: `localhost` may resolve elsewhere (IPv6, /etc/hosts).
  if (url.hostname !== HOST) {
    throw new Error(`${name} must point at ${HOST} (the local emulator), got ${JSON.stringify(raw)}.`);
  }
  return url;
}

function assertMotoInstalled(python: string): void {
  const probe = spawnSync(python, ['-c', 'import moto.server'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error !== undefined) {
    const code = (probe.error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? `${python} was not found on PATH` : `${python} could not be run`;
    throw new MotoUnavailableError(`Cannot start moto: ${reason}. ${INSTALL_HINT}`, { cause: probe.error });
  }
  if (probe.status !== 0) {
    const detail = lastLines(probe.stderr, 5);
    throw new MotoUnavailableError(
      `Cannot start moto: \`${python} -c "import moto.server"\` failed. ${INSTALL_HINT}\n${detail}`,
    );
  }
}

/** A port on 127.0.0.1 that nothing listens on at the moment of asking. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error('no port assigned')) : resolve(port)));
    });
  });
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new MotoStartError(portInUse(port), { cause: error })
          : new MotoStartError(`Cannot listen on ${HOST}:${port}: ${error.message}`, { cause: error }),
      );
    });
    server.listen(port, HOST, () => server.close(() => resolve()));
  });
}

function portInUse(port: number): string {
  return `Port ${port} on ${HOST} is already in use. Stop whatever listens there, pass another port, or omit the port to pick a free one.`;
}

/** Appends `text`'s non-blank lines to `output`, keeping the last OUTPUT_LINES_KEPT (for a start's error). */
function keepLines(output: string[], text: string): void {
  output.push(...text.split('\n').filter((line) => line.trim() !== ''));
  if (output.length > OUTPUT_LINES_KEPT) output.splice(0, output.length - OUTPUT_LINES_KEPT);
}

/** Why a spawned server is gone before answering, or undefined while it runs. */
function childExit(
  child: ChildProcess,
  spawnError: Error | undefined,
  output: string[],
  port: number,
): MotoStartError | undefined {
  if (spawnError !== undefined) {
    return new MotoStartError(`Could not run moto server: ${spawnError.message}`, { cause: spawnError });
  }
  if (child.exitCode === null && child.signalCode === null) return undefined;
  const log = output.join('\n');
  const why = /EADDRINUSE|address already in use/i.test(log)
    ? portInUse(port)
    : `moto server exited (${child.exitCode ?? child.signalCode}) before answering.`;
  return new MotoStartError(`${why}\n--- moto output ---\n${log}`);
}

async function waitUntilAnswering(
  endpoint: string,
  gone: () => MotoStartError | undefined,
  timeoutMs: number,
  output: string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const error = gone();
    if (error !== undefined) throw error;
    if (await answers(`${endpoint}/moto-api/`)) return;
    if (Date.now() >= deadline) {
      throw new MotoStartError(
        `moto server did not answer on ${endpoint}/moto-api/ within ${timeoutMs} ms.\n--- moto output ---\n${output.join('\n')}`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    // Connection refused while moto is still importing: keep polling.
    return false;
  }
}

/**
 * Without Docker, moto still stores Lambda functions (create, alias, version, configuration calls) but does
 * not run their code.
 *
 * @see http://docs.getmoto.org/en/latest/docs/configuration/state_transition/index.html
 */
async function configureMoto(endpoint: string): Promise<void> {
  await postMotoApi(endpoint, '/moto-api/config', { lambda: { use_docker: false } });
}

async function postMotoApi(endpoint: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${endpoint.replace(/\/+$/, '')}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`POST ${path} on moto failed with HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
}

/**
 * A server forked from the fork server: warmed, empty, on `port`. It is the fork server's child, not this
 * process's: stopped by its pid, and it stops by itself once this process is gone.
 */
async function startForked(
  socketPath: string,
  port: number,
  endpoint: string,
  timeoutMs: number,
): Promise<MotoServer> {
  const pid = await askFork(socketPath, port);
  const killOnExit = () => signal(pid, 'SIGTERM');
  process.on('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      await terminatePid(pid);
    })();
    return stopping;
  };
  try {
    const gone = () =>
      alive(pid)
        ? undefined
        : new MotoStartError(
            `moto server forked for ${endpoint} (pid ${pid}) exited before answering: is port ${port} taken?`,
          );
    await waitUntilAnswering(endpoint, gone, timeoutMs, []);
    await configureMoto(endpoint);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

/** One request to the fork server: a line of JSON out, the forked server's pid back. */
async function askFork(socketPath: string, port: number): Promise<number> {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = createConnection(socketPath);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.once('end', () => resolve(text));
    socket.once('error', (error) =>
      reject(
        new MotoStartError(
          `No moto fork server answers on ${socketPath} (${FORK_SERVER_ENV}): ${error.message}. Unset ${FORK_SERVER_ENV} to start moto directly.`,
          { cause: error },
        ),
      ),
    );
    socket.end(`${JSON.stringify({ port, owner: process.pid })}\n`);
  });
  const pid = (JSON.parse(answer) as { pid?: unknown }).pid;
  if (typeof pid !== 'number')
    throw new MotoStartError(`The moto fork server answered ${answer.slice(0, 200)}`);
  return pid;
}

/** Whether process `pid` exists (EPERM: it does, under another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function terminatePid(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (alive(pid)) {
    if (Date.now() >= deadline) {
      signal(pid, 'SIGKILL');
      break;
    }
    await sleep(20);
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  // Unreferenced, so a prompt exit does not hold the parent's event loop open for the grace period.
  const timer = sleep(STOP_GRACE_MS, 'timeout' as const, { ref: false });
  if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join('\n');
}
