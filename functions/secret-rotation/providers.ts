// Credential providers: where a secret's credentials are made, switched on, proved and revoked. One small
// interface, chosen by the secret's own `provider` field, so the rotation steps never know which vendor
// they rotate. No method returns, logs or puts a key in an error message: failures carry a status code.

import { GetRandomPasswordCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DependencyError } from '../../shared/errors.js';
import { isObject } from '../../shared/validate.js';
import type { HttpSecret, RandomSecret, SecretDocument } from './schema.js';

/** A provider answered, but not with success: the step fails and Secrets Manager retries the rotation. */
export class ProviderError extends DependencyError {
  // Shown to the caller (Secrets Manager records it as the rotation's failure): the messages are written to
  // carry a path, a status code and a key id, never a key or a response body.
  override readonly expose: boolean = true;

  constructor(message: string, cause?: unknown) {
    super(message, cause, 'ProviderFailed');
  }
}

export type RevokeOutcome = 'revoked' | 'already-gone' | 'not-applicable';

/**
 * The vendor did not answer a create within the secret's `timeoutMs`. The step fails (Secrets Manager retries
 * it), but the request is not abandoned: the vendor may still make the key, and a key nobody learns of stays
 * live with nothing holding it. `lateAnswer` waits a little longer for it, so its id can be recorded.
 */
export class SlowCreateError extends ProviderError {
  constructor(
    message: string,
    private readonly answer: Promise<SecretDocument>,
    private readonly request: AbortController,
  ) {
    super(message);
  }

  /** The credentials the vendor made, if it answers within `waitMs` more; the request is abandoned after. */
  async lateAnswer(waitMs: number): Promise<SecretDocument | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, waitMs));
    });
    try {
      return await Promise.race([this.answer, gaveUp]);
    } catch {
      // The late answer was a refusal: no key was made, as far as the vendor says.
      return undefined;
    } finally {
      clearTimeout(timer);
      this.request.abort();
    }
  }
}

export interface CredentialProvider<S extends SecretDocument = SecretDocument> {
  /**
   * New credentials, made with the current ones where the vendor needs that; config fields carried over.
   * `idempotencyKey` is the same for every attempt of one rotation: a vendor that honours it answers a retry
   * with the key it already made instead of making another.
   */
  create(current: S, idempotencyKey: string): Promise<S>;
  /** Switches the new credentials on, where the vendor needs that. Safe to repeat. */
  activate(pending: S, current: S): Promise<void>;
  /** Proves the credentials work, with a read-only call. */
  test(credentials: S): Promise<void>;
  /** Revokes `old`, authenticated as `current`. Already revoked is success. */
  revoke(old: S, current: S): Promise<RevokeOutcome>;
  /** The non-secret id of the credentials, for logs and the audit (never the value). */
  idOf(credentials: S): string | undefined;
}

export interface ProviderDeps {
  secrets: SecretsManagerClient;
  fetch: typeof fetch;
  /** The invocation's remaining time (an API call's 28 s through the API): a vendor call ends before it. */
  remainingMs?: () => number;
}

/** Time kept after a vendor call for recording what it did and answering (a revocation's record and notice). */
export const VENDOR_CALL_RESERVE_MS = 5_000;

/**
 * How long one vendor call may take: the secret's `timeoutMs`, and never past the invocation's time less
 * VENDOR_CALL_RESERVE_MS — through the API a revocation must answer within the call's 28 s, whatever a slow
 * vendor does (an aborted revocation fails and says so; the same request revokes again, "already gone" is done).
 */
export const vendorCallMs = (deps: Pick<ProviderDeps, 'remainingMs'>, timeoutMs: number) =>
  deps.remainingMs
    ? Math.max(1, Math.min(timeoutMs, deps.remainingMs() - VENDOR_CALL_RESERVE_MS))
    : timeoutMs;

// ------------------------------------------------------------------------------------------- random

export function randomProvider(deps: ProviderDeps): CredentialProvider<RandomSecret> {
  return {
    async create(current) {
      // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
      const answer = await deps.secrets.send(
        new GetRandomPasswordCommand({
          PasswordLength: current.passwordLength,
          ExcludeCharacters: current.excludeCharacters,
          RequireEachIncludedType: true,
        }),
      );
      if (!answer.RandomPassword) throw new ProviderError('GetRandomPassword returned no password');
      return { ...current, value: answer.RandomPassword };
    },
    // An internal token works the moment consumers read it: nothing to switch on.
    async activate() {},
    async test(credentials) {
      if (credentials.value.length < Math.min(16, credentials.passwordLength)) {
        throw new ProviderError('the pending value is shorter than the configured length');
      }
    },
    async revoke() {
      return 'not-applicable';
    },
    idOf: () => undefined,
  };
}

// --------------------------------------------------------------------------------------------- http

function url(secret: HttpSecret, path: string, keyId?: string): string {
  const filled = keyId === undefined ? path : path.replaceAll('{apiKeyId}', encodeURIComponent(keyId));
  // The base may carry a path prefix (`https://api.vendor.example/v2`): append, never resolve over it.
  return `${secret.baseUrl.replace(/\/+$/, '')}${filled}`;
}

function authHeaders(secret: HttpSecret, as: HttpSecret): Record<string, string> {
  return {
    [secret.authHeader]: secret.authScheme ? `${secret.authScheme} ${as.apiKey}` : as.apiKey,
    accept: 'application/json',
  };
}

// The header vendors' key APIs read to answer a repeated create with the first answer (Stripe, Adyen, the
// IETF draft "The Idempotency-Key HTTP Header Field").
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** One request to the vendor, authenticated as `as`; a network failure is a ProviderError naming the path. */
async function call(
  deps: ProviderDeps,
  what: string,
  secret: HttpSecret,
  request: { method: string; target: string; as: HttpSecret },
  options: { signal?: AbortSignal; headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  const { method, target, as } = request;
  try {
    return await deps.fetch(target, {
      method,
      headers: { ...authHeaders(secret, as), ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
      signal: options.signal ?? AbortSignal.timeout(vendorCallMs(deps, secret.timeoutMs)),
      redirect: 'error',
    });
  } catch (error) {
    // The cause names the URL and the network error only; the request's headers are not in it.
    throw new ProviderError(
      `${what}: ${method} ${new URL(target).pathname} failed (${error instanceof Error ? error.name : 'error'})`,
      error,
    );
  }
}

/** POST createPath and read the new key out of the answer, however long that takes (`signal` ends it). */
async function createKey(
  deps: ProviderDeps,
  current: HttpSecret,
  idempotencyKey: string,
  signal: AbortSignal,
) {
  const target = url(current, current.createPath);
  const response = await call(
    deps,
    'create a key',
    current,
    { method: 'POST', target, as: current },
    {
      signal,
      headers: {
        [IDEMPOTENCY_HEADER]: idempotencyKey,
        // A vendor that wants to be told what to make (a name, scopes) gets the secret's createBody.
        ...(current.createBody ? { 'content-type': 'application/json' } : {}),
      },
      ...(current.createBody ? { body: JSON.stringify(current.createBody) } : {}),
    },
  );
  if (!response.ok) {
    throw new ProviderError(`create a key: ${current.createPath} answered ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    // No cause: a JSON SyntaxError quotes the body, which may hold the new key.
    throw new ProviderError(`create a key: ${current.createPath} answered no JSON`);
  }
  const id = answerField(body, current.responseIdField);
  // An id may be a number (GitLab's token ids are); it is kept as the string the revoke path is built from.
  const apiKeyId = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
  const apiKey = answerField(body, current.responseKeyField);
  if (typeof apiKeyId !== 'string' || typeof apiKey !== 'string' || !apiKeyId || !apiKey) {
    throw new ProviderError(
      `create a key: the answer has no ${current.responseIdField} (a string or a whole number) and no string ${current.responseKeyField}`,
    );
  }
  return { ...current, apiKeyId, apiKey };
}

/**
 * A field of a vendor's create answer: a top-level name (`id`, or `api.key` when the answer has that name), else
 * a path of own properties separated by dots (`data.id`, `data.attributes.key`: JSON:API vendors nest them).
 */
export function answerField(body: unknown, field: string): unknown {
  if (!isObject(body)) return undefined;
  if (Object.hasOwn(body, field)) return body[field];
  let at: unknown = body;
  for (const part of field.split('.')) {
    if (!isObject(at) || !Object.hasOwn(at, part)) return undefined;
    at = at[part];
  }
  return at;
}

/** createKey within the secret's `timeoutMs`; past it, a SlowCreateError that can still hear the answer. */
async function createWithin(deps: ProviderDeps, current: HttpSecret, idempotencyKey: string) {
  const request = new AbortController();
  const answer = createKey(deps, current, idempotencyKey, request.signal);
  // Observed by the race below or by SlowCreateError.lateAnswer; never an unhandled rejection.
  answer.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), current.timeoutMs);
  });
  try {
    const first = await Promise.race([answer, timedOut]);
    if (first !== 'timeout') return first;
  } catch (error) {
    request.abort();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  throw new SlowCreateError(
    `create a key: ${current.createPath} did not answer within ${current.timeoutMs} ms`,
    answer,
    request,
  );
}

export function httpProvider(deps: ProviderDeps): CredentialProvider<HttpSecret> {
  return {
    create: (current, idempotencyKey) => createWithin(deps, current, idempotencyKey),
    async activate(pending, current) {
      if (!pending.activatePath) return;
      const target = url(pending, pending.activatePath, pending.apiKeyId);
      const response = await call(deps, 'activate the key', pending, { method: 'POST', target, as: current });
      // Already active answers 409 at some vendors: the state we want.
      if (!response.ok && response.status !== 409) {
        throw new ProviderError(`activate the key: ${pending.activatePath} answered ${response.status}`);
      }
    },
    async test(credentials) {
      const target = url(credentials, credentials.testPath);
      const response = await call(deps, 'test the key', credentials, {
        method: 'GET',
        target,
        as: credentials,
      });
      if (!response.ok) {
        throw new ProviderError(
          `test the key ${credentials.apiKeyId}: ${credentials.testPath} answered ${response.status}`,
        );
      }
    },
    async revoke(old, current) {
      if (old.apiKeyId === current.apiKeyId) return 'not-applicable';
      const target = url(current, current.revokePath, old.apiKeyId);
      const response = await call(deps, 'revoke the key', current, { method: 'DELETE', target, as: current });
      // Gone already (revoked by an earlier attempt, or by hand): what revoking wanted.
      if (response.status === 404 || response.status === 410) return 'already-gone';
      if (!response.ok) {
        throw new ProviderError(`revoke the key ${old.apiKeyId}: answered ${response.status}`);
      }
      return 'revoked';
    },
    idOf: (credentials) => credentials.apiKeyId,
  };
}

export function providerFor(deps: ProviderDeps, secret: SecretDocument): CredentialProvider {
  return (secret.provider === 'http' ? httpProvider(deps) : randomProvider(deps)) as CredentialProvider;
}
