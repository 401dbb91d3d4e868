// How the CLI finds a running emulator from another shell: the state directory it looks in (and says so when
// the stack's description is not there), and CloudWatch through the emulator's stand-in once it is found.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endpointOverride, explainAwsError, runningEmulator } from '../../cli/target.js';

describe('finding the running emulator', () => {
  const saved = { ...process.env };
  let server: Server;
  let endpoint: string;

  beforeEach(async () => {
    // Something answering on loopback, as an emulator's moto would
    server = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterEach(async () => {
    // In place: the worker's other files share this process.env (test/setup-shared-worker.ts).
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await new Promise((resolve) => server.close(resolve));
  });

  it('names the directory it looked in, from RUNBOOK_STATE_DIR, when the description is not there', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'runbook-state-'));
    Object.assign(process.env, { RUNBOOK_STATE_DIR: dir, AWS_ENDPOINT_URL: endpoint });

    // Act
    const error = (await runningEmulator().catch((caught: Error) => caught)) as Error;

    // Assess
    expect(error.message).toContain(
      `answers, but it is not a runbook emulator: ${dir}/emulator.json does not exist (looked in ${dir}, from RUNBOOK_STATE_DIR)`,
    );
  });

  it('says that an emulator started with RUNBOOK_STATE_DIR describes itself there, when it looked in .runbook', async () => {
    // Prepare: an endpoint no description in .runbook/ names
    delete process.env.RUNBOOK_STATE_DIR;
    process.env.AWS_ENDPOINT_URL = endpoint;

    // Act
    const error = (await runningEmulator().catch((caught: Error) => caught)) as Error;

    // Assess
    expect(error.message).toContain('answers, but it is not a runbook emulator: .runbook/emulator.json');
    expect(error.message).toContain(
      'looked in .runbook, the default; an emulator started with RUNBOOK_STATE_DIR=DIR describes itself in DIR: set RUNBOOK_STATE_DIR=DIR here too, or source DIR/emulator.env',
    );
  });

  it("points CloudWatch at the emulator's stand-in, whatever the shell had", async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'runbook-state-'));
    writeFileSync(
      join(dir, 'emulator.json'),
      JSON.stringify({
        endpoint,
        cloudwatchEndpoint: 'http://127.0.0.1:1',
        region: 'us-east-1',
        stackName: 's',
        resources: {},
      }),
    );
    Object.assign(process.env, {
      RUNBOOK_STATE_DIR: dir,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:2',
    });

    // Act
    const target = await runningEmulator();

    // Assess
    expect(target?.state?.stackName).toBe('s');
    expect(process.env.AWS_ENDPOINT_URL_CLOUDWATCH).toBe('http://127.0.0.1:1');
  });
});

describe('an AWS target while AWS_ENDPOINT_URL is set', () => {
  const saved = process.env.AWS_ENDPOINT_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved;
  });

  it('says every AWS call goes to that endpoint, beside the target and in a stack that is not found', () => {
    // Prepare: an emulator's exports sourced earlier in the same shell
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:45377';
    const notFound = Object.assign(new Error('Stack with id lambda-runbook-prod does not exist'), {
      name: 'ValidationError',
    });

    // Act
    const note = endpointOverride();
    const explained = explainAwsError(notFound);

    // Assess
    expect(note).toBe(
      '; but AWS_ENDPOINT_URL is set, so every AWS call goes to http://127.0.0.1:45377, not to AWS (unset it, or open a new shell, to reach a deployed stack)',
    );
    expect(explained).toBe(`Stack with id lambda-runbook-prod does not exist${note}`);
  });

  it('says nothing more when it is not set', () => {
    // Prepare
    delete process.env.AWS_ENDPOINT_URL;

    // Act, Assess
    expect(endpointOverride()).toBe('');
    expect(explainAwsError(new Error('Stack with id prod does not exist'))).toBe(
      'Stack with id prod does not exist',
    );
  });
});
