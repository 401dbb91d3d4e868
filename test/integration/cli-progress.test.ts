// Does a progress hook held in a plain module variable reach the compiled CLI? The CLI registers its listener
// from its command's chunk (cli/dlq.ts, cli/schedules.ts); the handler it runs in-process calls it from the
// handler's chunk (scripts/build-cli.ts bundles both, with code splitting). If the two loaded different
// instances of the hook's module, the handler would find no listener and the bar would never be drawn, with
// nothing failing. Shown two ways: in the build (each hook module is one chunk, imported by both sides) and
// live (the compiled CLI on a terminal draws the bar while the handler works).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillQueue, lambdaDeadLetter } from '../../local/dlq.js';
import { projectRoot } from '../../local/template.js';
import { cliBin, cliOutDir } from '../../scripts/build-cli.js';
import { type CliEmulator, cliEmulator } from '../support/emulator.js';
import { fullSchedule } from '../support/schedules.js';

const chunksDir = join(cliOutDir, 'chunks');

/** Each chunk of the compiled CLI, with the source files its source map says it holds. */
function chunks(): { file: string; code: string; sources: string[] }[] {
  return readdirSync(chunksDir)
    .filter((file) => file.endsWith('.mjs'))
    .map((file) => {
      const map = JSON.parse(readFileSync(join(chunksDir, `${file}.map`), 'utf8')) as { sources: string[] };
      const sources = map.sources.map((source) => source.replace(/^(\.\.\/)+/, ''));
      return { file, code: readFileSync(join(chunksDir, file), 'utf8'), sources };
    });
}

/** `runbook …` with stdin, stdout and stderr on a pseudo-terminal (util-linux `script`), as at a desk. */
function onTerminal(args: string[]): { code: number | null; output: string } {
  const quoted = [process.execPath, cliBin, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`);
  const result = spawnSync('script', ['-qec', quoted.join(' '), '/dev/null'], {
    cwd: projectRoot,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    encoding: 'utf8',
    input: '',
    timeout: 120_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('progress hooks in the compiled CLI', { timeout: 180_000 }, () => {
  let emulator: CliEmulator;

  beforeAll(async () => {
    emulator = await cliEmulator('cli-progress');
  });

  it.each([
    ['functions/dlq-drainer/progress.ts', 'cli/dlq.ts', 'functions/dlq-drainer/handler.ts'],
    ['functions/killswitch/progress.ts', 'cli/schedules.ts', 'functions/killswitch/handler.ts'],
  ])('bundles %s once, in a chunk both %s and %s import', (hook, command, handler) => {
    // Prepare
    const all = chunks();
    const holding = all.filter((chunk) => chunk.sources.includes(hook));
    const importers = (source: string) =>
      all.filter((chunk) => chunk.sources.includes(source)).map((chunk) => chunk.code);

    // Assess: one module instance, reached from both sides
    expect(holding.map((chunk) => chunk.file)).toHaveLength(1);
    const hookChunk = holding[0]?.file as string;
    expect(importers(command).some((code) => code.includes(hookChunk))).toBe(true);
    expect(importers(handler).some((code) => code.includes(hookChunk))).toBe(true);
  });

  it('draws the drainer’s progress bar while `runbook dlq drain` runs the handler in-process', async () => {
    // Prepare: a few dead letters in the stack's workload DLQ
    const sqs = new SQSClient({});
    const queue = `${emulator.stackName}-WorkloadDLQ`;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
    const letters = Array.from({ length: 12 }, (_, index) => lambdaDeadLetter({ order: index }));
    await fillQueue(sqs, String(QueueUrl), letters);
    sqs.destroy();

    // Act
    const { code, output } = onTerminal([
      'dlq',
      'drain',
      '--queue',
      queue,
      '--reason',
      'incident over',
      '--yes',
    ]);

    // Assess: the listener the CLI set was called by the handler (the bar), and the drain went through
    expect(code, output).toBe(0);
    expect(output).toMatch(/\[#+-*\] \d+\/12 {2}redriven \d+/);
    expect(output).toMatch(/redriven\s+12/);
  });

  it('draws the kill switch’s progress bar while `runbook schedules disable` runs the handler in-process', async () => {
    // Prepare: enough schedules in the stack's group for the CLI to draw a bar (it draws from 20)
    const group = emulator.ref('WorkloadScheduleGroup');
    const scheduler = new SchedulerClient({});
    for (let index = 0; index < 24; index++) {
      await scheduler.send(
        new CreateScheduleCommand({ ...fullSchedule(`progress-${index}`), GroupName: group }),
      );
    }
    scheduler.destroy();

    // Act
    const { code, output } = onTerminal([
      'schedules',
      'disable',
      '--group',
      group,
      '--all',
      '--reason',
      'orders rejected since 03:02',
      '--yes',
    ]);

    // Assess: the module-variable hook reached the CLI's listener
    expect(code, output).toBe(0);
    expect(output).toMatch(/\[#+-*\] \d+\/2\d (reading|writing)/);
  });
});
