// The probe of the running emulator every local command makes before it acts (cli/probe.ts): started early by
// the compiled CLI's bin, taken once by the command's check, and never holding a command that does not check.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answers, probeEarly } from '../../cli/probe.js';
import { cliBin } from '../../scripts/build-cli.js';

describe('the probe of the running emulator', () => {
  const saved = process.env.AWS_ENDPOINT_URL;
  let server: Server;
  let endpoint: string;
  let requests: number;
  const sockets: Socket[] = [];

  /** A loopback server that answers (as moto does) or, `silent`, accepts and never answers. */
  async function listen(silent = false): Promise<void> {
    server = createServer((_request, response) => {
      requests += 1;
      if (!silent) response.end('ok');
    });
    server.on('connection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  beforeEach(() => {
    requests = 0;
  });

  afterEach(async () => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved;
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("is started early once, and taken by the command's check; a second check probes anew", async () => {
    // Prepare
    await listen();
    process.env.AWS_ENDPOINT_URL = endpoint;

    // Act
    probeEarly(['rollback', '--function', 'fn', '--dry-run']);
    const first = await answers(endpoint);
    const afterFirst = requests;
    const second = await answers(endpoint);

    // Assess
    expect([first, second]).toEqual([true, true]);
    expect(afterFirst).toBe(1);
    expect(requests).toBe(2);
  });

  it.each([
    ['a deployed stack', ['rollback', '--stack', 'prod']],
    ['the ops API', ['health', '--api-url=https://api.example']],
    ['Lambda Invoke', ['rollback', '--via', 'lambda', '--rollback-function', 'fn']],
    ['a throwaway emulator', ['health', '--emulator']],
    ['the emulator command itself', ['emulator']],
    ['invoke, which checks nothing', ['invoke', 'HealthFunction']],
  ])('is not started early for a command bound elsewhere: %s', async (_name, argv) => {
    // Prepare
    await listen();
    process.env.AWS_ENDPOINT_URL = endpoint;

    // Act
    probeEarly(argv);
    await answers(endpoint);

    // Assess: only the check's own probe reached the server.
    expect(requests).toBe(1);
  });

  it('does not hold the compiled CLI when its command never checks (it refuses before acting)', async () => {
    // Prepare: an endpoint that accepts and never answers; the probe alone would wait its 2 s.
    await listen(true);

    // Act: no --yes and no terminal: rollback refuses before it looks for the emulator.
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [cliBin, 'rollback', '--function', 'fn', '--reason', 'probe'], {
        env: { ...process.env, AWS_ENDPOINT_URL: endpoint, NODE_NO_WARNINGS: '1' },
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      child.stdin.end();
      child.on('exit', resolve);
    });

    // Assess
    expect(code).toBe(1);
    expect(requests).toBe(1);
    expect(performance.now() - started).toBeLessThan(1_900);
  });
});
