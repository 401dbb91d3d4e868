/**
 * A vendor's key API, as the `http` credential provider expects one, on 127.0.0.1 (a free port): the tests
 * and the drill rotate real keys against it. Never bundled into a function.
 *
 *   POST   /keys               (an active key)  → 201 { id, key }    issues a new key; a repeated
 *                                                                     Idempotency-Key gets the first answer
 *                                                                     again (honourIdempotencyKey(false): not)
 *   POST   /keys/{id}/activate (an active key)  → 200                 (for secrets configured with activatePath)
 *   GET    /account            (the key tested) → 200 { account }     read-only; 401 for a revoked/unknown key,
 *                                                                     503 while failTests(true)
 *   DELETE /keys/{id}          (an active key)  → 204; 404 if unknown or already revoked
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VendorKey {
  id: string;
  key: string;
}

export interface VendorStandIn {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** Issues a key directly (the one a person created by hand before rotation was set up). */
  issue(): VendorKey;
  /** Whether a key (by id) is issued and not revoked. */
  isActive(id: string): boolean;
  /** Whether a key value still authenticates. */
  works(key: string): boolean;
  /** Every key value ever issued: what a leak check looks for. */
  issuedValues(): string[];
  /** Every key id ever issued. */
  issuedIds(): string[];
  /** Makes GET /account answer 503 for every key (an outage of the vendor's read endpoint), or heals it. */
  failTests(fail: boolean): void;
  /**
   * The next `count` creates answer `ms` late: the key is issued when the request arrives, as a slow vendor
   * does, and the answer (with it) comes after the delay, to a client that may have stopped waiting.
   */
  delayCreates(ms: number, count?: number): void;
  /** Whether a create repeating an Idempotency-Key is answered with the first key (default) or a new one. */
  honourIdempotencyKey(honour: boolean): void;
  requests: { method: string; path: string; status: number; idempotencyKey?: string }[];
  stop(): Promise<void>;
}

export async function startVendor(): Promise<VendorStandIn> {
  const keys = new Map<string, { key: string; active: boolean }>();
  let testsFail = false;
  let createDelay = { ms: 0, count: 0 };
  let honour = true;
  // Idempotency-Key → the key its first create issued (real vendors keep these for a day or so).
  const replays = new Map<string, VendorKey>();
  const requests: VendorStandIn['requests'] = [];

  const issue = (): VendorKey => {
    const id = `key_${randomBytes(6).toString('hex')}`;
    const key = `vk_live_${randomBytes(24).toString('hex')}`;
    keys.set(id, { key, active: true });
    return { id, key };
  };
  const caller = (request: IncomingMessage) => {
    const header = String(request.headers.authorization ?? '');
    const key = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : header;
    return [...keys.entries()].find(([, entry]) => entry.key === key && entry.active);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://vendor').pathname;
    const header = request.headers['idempotency-key'];
    const idempotencyKey = typeof header === 'string' ? header : undefined;
    const answer = (status: number, body?: unknown, delayMs = 0) => {
      requests.push({
        method: String(request.method),
        path,
        status,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      const send = () => {
        // The client stopped waiting: the answer is lost, the key it carried is not.
        if (response.destroyed || response.socket?.destroyed) return;
        response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
        response.end(body === undefined ? undefined : JSON.stringify(body));
      };
      if (delayMs > 0) setTimeout(send, delayMs).unref();
      else send();
    };
    request.resume();
    request.on('end', () => {
      const who = caller(request);
      if (!who) return answer(401, { message: 'unknown or revoked key' });
      const match = /^\/keys\/([^/]+)(\/activate)?$/.exec(path);
      if (request.method === 'POST' && path === '/keys') {
        const replay = honour && idempotencyKey ? replays.get(idempotencyKey) : undefined;
        const key = replay ?? issue();
        if (honour && idempotencyKey) replays.set(idempotencyKey, key);
        const delayMs = createDelay.count > 0 ? createDelay.ms : 0;
        if (createDelay.count > 0) createDelay = { ...createDelay, count: createDelay.count - 1 };
        return answer(201, key, delayMs);
      }
      if (request.method === 'GET' && path === '/account') {
        return testsFail ? answer(503, { message: 'try again later' }) : answer(200, { account: 'demo' });
      }
      if (match && request.method === 'POST' && match[2]) {
        return keys.get(decodeURIComponent(String(match[1])))?.active ? answer(200, {}) : answer(404);
      }
      if (match && request.method === 'DELETE' && !match[2]) {
        const target = keys.get(decodeURIComponent(String(match[1])));
        if (!target?.active) return answer(404, { message: 'no such active key' });
        target.active = false;
        return answer(204);
      }
      return answer(404, { message: 'no such route' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    issue,
    isActive: (id) => keys.get(id)?.active ?? false,
    works: (key) => [...keys.values()].some((entry) => entry.key === key && entry.active),
    issuedValues: () => [...keys.values()].map((entry) => entry.key),
    issuedIds: () => [...keys.keys()],
    failTests: (fail) => {
      testsFail = fail;
    },
    delayCreates: (ms, count = 1) => {
      createDelay = { ms, count };
    },
    honourIdempotencyKey: (on) => {
      honour = on;
    },
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The JSON of a secret rotated through the stand-in, starting from `key`. */
export function httpSecretValue(vendor: VendorStandIn, key: VendorKey, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    provider: 'http',
    apiKeyId: key.id,
    apiKey: key.key,
    baseUrl: vendor.baseUrl,
    createPath: '/keys',
    testPath: '/account',
    revokePath: '/keys/{apiKeyId}',
    ...extra,
  });
}
