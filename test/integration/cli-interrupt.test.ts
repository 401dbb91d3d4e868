// Ctrl-C while the compiled CLI waits on a function that runs on AWS (the ops API here): only the waiting stops,
// and the CLI says where to read what the function goes on to do. The "API" is a loopback server that takes the
// request and never answers, as a call that runs long does.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/template.js';
import { cliBin } from '../../scripts/build-cli.js';

describe('Ctrl-C while waiting on the ops API', () => {
  let server: Server;
  let apiUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((request) => {
      received.push(`${request.method} ${request.url}`);
      // Never answered: the function is still running.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('stops only the waiting, exits 130, and names the timeline that shows what the function did', async () => {
    // Prepare
    const cli = spawn(
      process.execPath,
      [
        cliBin,
        'rollback',
        '--function',
        'trading',
        '--reason',
        'errors since 03:00',
        '--yes',
        '--api-url',
        apiUrl,
      ],
      { cwd: projectRoot, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    cli.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));

    // Act: Ctrl-C once the request has reached the API
    await expect.poll(() => received.length, { timeout: 20_000, interval: 50 }).toBe(1);
    cli.kill('SIGINT');

    // Assess
    expect(await exited).toBe(130);
    expect(received).toEqual(['POST /rollback']);
    expect(stderr).toContain(
      'runbook: stopped waiting; the function goes on in AWS and records what it does: `runbook timeline --since 15m --stack NAME`',
    );
  });
});
