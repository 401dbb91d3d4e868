import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordingProxy, recordingProxy } from '../../bench/recording-proxy.js';

describe('the bench’s recording proxy', () => {
  let upstream: Server;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    // An emulator that takes 100 ms to answer, echoing what it was sent.
    upstream = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () =>
        setTimeout(() => {
          response.writeHead(201, { 'x-host': String(request.headers.host) });
          response.end(`${request.method} ${request.url} ${body}`);
        }, 100),
      );
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await recordingProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('passes requests and answers through unchanged, the Host header included', async () => {
    // Act
    const answer = await fetch(`${proxy.endpoint}/queue?x=1`, { method: 'POST', body: 'hello' });

    // Assess
    expect(answer.status).toBe(201);
    expect(await answer.text()).toBe('POST /queue?x=1 hello');
    expect(answer.headers.get('x-host')).toBe(new URL(proxy.endpoint).host);
  });

  it('counts the time the emulator was answering once, however many requests were in flight', async () => {
    // Act: two requests together, then one alone.
    const started = performance.now();
    await Promise.all([fetch(proxy.endpoint), fetch(proxy.endpoint)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await fetch(proxy.endpoint);
    const ended = performance.now();

    // Assess: about 2 × 100 ms of answering in some 400 ms, and nothing outside the window asked about.
    const busy = proxy.busyMs(started, ended);
    expect(busy).toBeGreaterThanOrEqual(190);
    expect(busy).toBeLessThan(ended - started - 150);
    expect(proxy.busyMs(ended, ended + 1_000)).toBe(0);
  });
});
