// `runbook dlq`, run as an operator would: a child process with stdin that is not a terminal, against a
// running emulator (one stack for this file, test/support/emulator.ts).
import { spawn } from 'node:child_process';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlqSummary, progressLine, summaryTable } from '../../cli/dlq.js';
import { fillQueue, lambdaDeadLetter } from '../../local/dlq.js';
import { projectRoot } from '../../local/template.js';
import { cliBin } from '../../scripts/build-cli.js';
import { runCli, runCliOnTerminal } from '../support/cli.js';
import { cliEmulator } from '../support/emulator.js';

const run = (args: string[]) => runCli('dlq', args);

describe('runbook dlq', () => {
  let queue: string[];
  let queueUrl: string;
  let functionName: string;
  const sqs = new SQSClient({});

  beforeAll(async () => {
    const emulator = await cliEmulator('cli-dlq');
    queue = ['--queue', `${emulator.stackName}-WorkloadDLQ`];
    functionName = emulator.ref('WorkloadFunction');
    queueUrl = emulator.ref('WorkloadDLQ');
  });

  afterAll(() => sqs.destroy());

  it('through the emulator’s API door, a drain that outlasts API Gateway’s wait is answered 503 and said to have maybe acted; it finishes before the command exits', async () => {
    // Prepare: 15 dead letters at the drainer's 10 a second; API Gateway's 30 s shortened to 200 ms
    await fillQueue(
      sqs,
      queueUrl,
      Array.from({ length: 15 }, (_, i) => lambdaDeadLetter({ i }, { requestId: `cli-late-${i}` })),
    );

    // Act
    const { code, stdout, stderr } = runCli(
      'dlq',
      ['drain', ...queue, '--reason', 'replay', '--yes', '--via', 'api', '--json'],
      { ...process.env, RUNBOOK_API_GATEWAY_TIMEOUT_MS: '200' },
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );

    // Assess: no answer on stdout, the 503 explained on stderr, and the drain carried out all the same
    expect(code, stderr).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('POST /dlq/drain: API Gateway answered 503 Service Unavailable');
    expect(stderr).toContain('the action may have been carried out');
    expect(stderr).toContain('`runbook timeline --since 15m`');
    expect(stderr).toContain('POST /dlq/drain finished after API Gateway had answered 503: HTTP 200');
    expect(Number(Attributes?.ApproximateNumberOfMessages)).toBe(0);
  });

  it('refuses to drain without --yes when stdin is not a terminal, before touching anything', () => {
    // Act
    const { code, stdout, stderr } = run(['drain', ...queue, '--reason', 'incident over']);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('pass --yes');
  });

  it('peeks in the running emulator, printing JSON on stdout (a terminal would get the summary table)', () => {
    // Act
    const { code, stdout, stderr } = run(['peek', ...queue, '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, mode: 'peek', dryRun: true, received: 0 });
    expect(dlqSummary(JSON.parse(stdout))).toMatch(/remaining in DLQ \(approx\.\)\s+0/);
  });

  it('exits 2 with the field named when the function refuses the request', () => {
    // Act
    const { code, stdout } = run([
      'drain',
      ...queue,
      '--reason',
      'incident over',
      '--rate',
      '0',
      '--dry-run',
      '--json',
    ]);

    // Assess
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { field: 'ratePerSecond' } });
  });

  it('refuses a queue ARN pasted for --queue, naming the queue in it (never acting on a same-named queue)', () => {
    // Act
    const name = String(queue[1]);
    const arn = `arn:aws:sqs:us-east-1:123456789012:${name}`;
    const { code, stdout } = run(['peek', '--queue', arn, '--json']);

    // Assess
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error).toEqual({
      code: 'ValidationError',
      message: `queue: expected the queue's name or URL, not its ARN: ${name}`,
      field: 'queue',
    });
  });

  it('draws progress against the smaller of the queue depth and the limit', () => {
    // Act
    const line = progressLine(
      { received: 50, redriven: 40, failed: 2, stale: 8, filtered: 0, atStart: 100, limit: 1000 },
      10,
    );

    // Assess
    expect(line).toBe('[#####-----] 50/100  redriven 40  failed 2  stale 8  filtered 0');
    expect(summaryTable({ queue: 'q', mode: 'drain', byErrorCode: { '429': 3 } })).toContain(
      'error code 429',
    );
  });

  it('on a terminal, asks nothing when no message would go back: shows why they would stay, changes nothing', async () => {
    // Prepare: letters no source queue names this DLQ for (sent to it directly), so none has a way back
    await fillQueue(
      sqs,
      queueUrl,
      Array.from({ length: 4 }, (_, i) => ({ MessageBody: JSON.stringify({ order: i }) })),
    );

    // Act: on a pseudo-terminal, answering y should a question come
    const { code, screen } = runCliOnTerminal('dlq', ['drain', ...queue, '--reason', 'replay'], 'y');

    // Assess
    expect(code, screen).toBe(1);
    expect(screen).not.toContain('[y/N]');
    expect(screen).toContain('no source queue names this DLQ in its redrive policy');
    expect(screen).toContain(
      'runbook: no message would be redriven (the plan above says why); nothing changed',
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(
      Number(Attributes?.ApproximateNumberOfMessages) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    ).toBe(4);
  });
  it('at Ctrl-C mid-drain, lets what is in flight finish, records what was done and releases the rest (exit 130)', async () => {
    // Prepare: a drain paced slowly enough to be interrupted in the middle
    const depth = async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(Attributes?.ApproximateNumberOfMessages),
        held: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
      };
    };
    await fillQueue(
      sqs,
      queueUrl,
      Array.from({ length: 40 }, (_, i) => ({ MessageBody: JSON.stringify({ replay: i }) })),
    );
    const total = (await depth()).visible;
    const drain = spawn(
      process.execPath,
      [
        cliBin,
        'dlq',
        'drain',
        ...queue,
        '--target-function',
        functionName,
        '--reason',
        'replay',
        '--rate',
        '4',
        '--yes',
        '--json',
      ],
      { cwd: projectRoot, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    drain.stdout.on('data', (chunk) => (stdout += chunk));
    drain.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => drain.once('exit', resolve));

    // Act: Ctrl-C once a second batch is received: one poller (concurrency 10) receives the next ten only once
    // the first ten were handled, so some letters have gone back by then
    await expect
      .poll(async () => (await depth()).visible <= total - 20, { timeout: 20_000, interval: 100 })
      .toBe(true);
    drain.kill('SIGINT');
    const code = await exited;

    // Assess: its own answer, exit 130, and not one letter lost or left held
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('runbook: interrupted: finishing what is in flight and recording what was done');
    const answer = JSON.parse(stdout);
    expect(answer).toMatchObject({ ok: true, stoppedBy: 'deadline', auditId: expect.any(String) });
    expect(answer.redriven).toBeGreaterThan(0);
    const after = await depth();
    expect(after.held).toBe(0);
    expect(answer.redriven + after.visible).toBe(total);
    const recorded = runCli('timeline', ['--since', '1h', '--json']);
    expect(JSON.parse(recorded.stdout).entries).toContainEqual(
      expect.objectContaining({ ref: answer.auditId, what: expect.stringMatching(/^dlq\.drain /) }),
    );
  });
});
