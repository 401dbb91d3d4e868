// The kill switch on 500 schedules next to the naive route (list, then GetSchedule and UpdateSchedule one
// schedule after the other), in the same run, twice: against the raw emulator, and with 50 ms added to every
// call of both sides (bench/latency.ts), which is what a real Region costs. Also the request rate the kill
// switch achieved against its configured limit: the token bucket must never let it above.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { definitionOf, updateInput } from '../functions/killswitch/definition.js';
import { disable, enable, type KillSwitchDeps } from '../functions/killswitch/killswitch.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_RATE_PER_SECOND,
  killSwitchRequestSchema,
} from '../functions/killswitch/schema.js';
import { type EmulatorState, provisionStack } from '../local/emulator/provision.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { printTable } from '../scripts/build.js';
import { type AuditEntry, AuditLedger, type AuditRecord } from '../shared/audit.js';
import { mapSettled } from '../shared/rate.js';
import { peakPerSecond } from './fleet-estate.js';
import { addLatency } from './latency.js';
import type { BenchSection } from './section.js';

const SCHEDULES = 500;
const LATENCY_MS = 50;

/** Records when each request of a client is sent, to measure the rate achieved. */
function recordSends(client: { middlewareStack: { add(...args: never[]): void } }, sent: number[]) {
  (client.middlewareStack.add as (...args: unknown[]) => void)(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      sent.push(performance.now());
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchRecordSends', override: true } as never,
  );
}

type Output = Record<string, unknown>;

/**
 * A stand-in Scheduler answering from memory after `latencyMs`, as a Region would, without the emulator's CPU:
 * moto is one Python process, and on a busy machine it, not the client, bounds requests per second. Both sides
 * run against it alike. Records when each request is sent in `sent`.
 */
function stubScheduler(
  client: SchedulerClient,
  store: Map<string, Output>,
  latencyMs: number,
  sent: number[],
) {
  (client.middlewareStack.add as (...args: unknown[]) => void)(
    (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        sent.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
        const input = args.input;
        const name = String(input.Name);
        switch (context.commandName) {
          case 'GetScheduleGroupCommand':
            return { output: { $metadata: {}, Name: name, State: 'ACTIVE' } };
          case 'ListSchedulesCommand': {
            const all = [...store.values()];
            const start = Number(input.NextToken ?? 0);
            const page = all.slice(start, start + 100);
            return {
              output: {
                $metadata: {},
                Schedules: page.map((item) => ({
                  Name: item.Name,
                  GroupName: item.GroupName,
                  State: item.State,
                })),
                ...(start + 100 < all.length ? { NextToken: String(start + 100) } : {}),
              },
            };
          }
          case 'GetScheduleCommand':
            return { output: structuredClone(store.get(name)) };
          case 'UpdateScheduleCommand': {
            const { ClientToken: _token, ...fields } = input;
            store.set(name, { ...store.get(name), ...fields });
            return { output: { $metadata: {}, ScheduleArn: store.get(name)?.Arn } };
          }
          default:
            return next(args);
        }
      },
    { step: 'initialize', name: 'benchStubScheduler' },
  );
}

/** The audit ledger in memory at `latencyMs` a round trip: a record is a PutItem and a Publish, a list a Query. */
function memoryLedger(latencyMs: number): KillSwitchDeps['ledger'] {
  const records: AuditRecord[] = [];
  const wait = (trips: number) => new Promise((resolve) => setTimeout(resolve, trips * latencyMs));
  return {
    async list(query) {
      await wait(1);
      return records
        .filter((r) => ('target' in query ? r.target === query.target : r.action === query.action))
        .sort((a, b) => b.at.localeCompare(a.at));
    },
    async get(auditId) {
      await wait(1);
      return records.find((r) => r.auditId === auditId);
    },
    async record(entry, auditId) {
      await wait(2);
      const at = new Date().toISOString();
      const record = {
        ...(JSON.parse(JSON.stringify(entry)) as AuditEntry),
        auditId: auditId ?? at,
        at,
        expiresAt: 0,
      };
      records.push(record);
      return { ...record, notified: true };
    },
  };
}

async function naive(scheduler: SchedulerClient, group: string): Promise<number> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await scheduler.send(new ListSchedulesCommand({ GroupName: group, NextToken }));
    names.push(...(page.Schedules ?? []).map((item) => String(item.Name)));
    NextToken = page.NextToken ?? undefined;
  } while (NextToken);
  for (const name of names) {
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    // Even the naive loop sends every field back: the fair comparison is of pacing, not of correctness.
    await scheduler.send(
      new UpdateScheduleCommand(updateInput(definitionOf(schedule, group), 'DISABLED', `naive-${name}`)),
    );
  }
  return names.length;
}

/** Puts every schedule of the group back to ENABLED, fast and untimed, between measured runs. */
async function reset(scheduler: SchedulerClient, group: string, names: string[]) {
  await mapSettled(names, { concurrency: 16 }, async (name) => {
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    await scheduler.send(
      new UpdateScheduleCommand(
        updateInput(definitionOf(schedule, group), 'ENABLED', `reset-${name}-${Date.now()}`),
      ),
    );
  });
}

function clientsFor(state: EmulatorState, latencyMs: number) {
  const scheduler = new SchedulerClient({});
  const lambda = new LambdaClient({});
  const dynamo = new DynamoDBClient({});
  const sns = new SNSClient({});
  if (latencyMs > 0)
    for (const client of [scheduler, lambda, dynamo, sns]) addLatency(client as never, latencyMs);
  const ledger = new AuditLedger({
    dynamo: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    sns,
    tableName: String(state.resources.AuditTable?.ref),
    topicArn: String(state.resources.OpsTopic?.ref),
  });
  return {
    scheduler,
    lambda,
    ledger,
    destroy: () => {
      for (const client of [scheduler, lambda, dynamo, sns]) client.destroy();
    },
  };
}

interface Round {
  label: string;
  latencyMs: number;
  naiveMs: number;
  killSwitchMs: number;
  ratio: number;
  requests: number;
  achievedPerSecond: number;
  peakPerSecond: number;
}

export const killSwitchBench: BenchSection = {
  name: 'killswitch',
  description: `disabling ${SCHEDULES} schedules: the kill switch vs a naive sequential get-then-update loop: raw emulator, emulator +${LATENCY_MS} ms a call, in-memory Region at ${LATENCY_MS} ms`,
  async run({ small }) {
    const count = small ? 12 : SCHEDULES;
    const moto = await startMoto();
    const saved = { ...process.env };
    try {
      Object.assign(process.env, emulatorEnv(moto.endpoint), { POWERTOOLS_LOG_LEVEL: 'SILENT' });
      const state = await provisionStack({ endpoint: moto.endpoint, stackName: 'bench' });
      const raw = new SchedulerClient({});
      const group = 'bench-killswitch';
      const names = Array.from({ length: count }, (_, i) => `job-${String(i).padStart(3, '0')}`);
      await raw.send(new CreateScheduleGroupCommand({ Name: group }));
      await mapSettled(names, { concurrency: 16 }, (name) =>
        raw.send(
          new CreateScheduleCommand({
            Name: name,
            GroupName: group,
            Description: `bench schedule ${name}`,
            ScheduleExpression: 'cron(35 9 ? * MON-FRI *)',
            ScheduleExpressionTimezone: 'America/New_York',
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: {
              Arn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-WorkloadFunction:live',
              RoleArn: 'arn:aws:iam::123456789012:role/bench-scheduler',
              Input: JSON.stringify({ job: name }),
              RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
            },
          }),
        ),
      );

      const rounds: Round[] = [];
      const modes = [
        { label: 'raw emulator', latencyMs: 0, stub: false },
        { label: `emulator +${LATENCY_MS} ms a call`, latencyMs: LATENCY_MS, stub: false },
        { label: `in-memory Region, ${LATENCY_MS} ms a call`, latencyMs: LATENCY_MS, stub: true },
      ];
      for (const { label, latencyMs, stub } of modes) {
        // The stub starts from the emulator's own definitions.
        const store = new Map<string, Output>();
        if (stub) {
          for (const name of names) {
            const { $metadata: _m, ...schedule } = await raw.send(
              new GetScheduleCommand({ Name: name, GroupName: group }),
            );
            store.set(name, schedule);
          }
        }
        // The naive loop, timed.
        const naiveClient = new SchedulerClient({});
        if (stub) stubScheduler(naiveClient, store, latencyMs, []);
        else if (latencyMs > 0) addLatency(naiveClient, latencyMs);
        let started = performance.now();
        await naive(naiveClient, group);
        const naiveMs = performance.now() - started;
        naiveClient.destroy();
        if (stub) for (const item of store.values()) item.State = 'ENABLED';
        else await reset(raw, group, names);

        // The kill switch, timed, at its default rate and concurrency.
        const clients = clientsFor(state, latencyMs);
        const sent: number[] = [];
        if (stub) stubScheduler(clients.scheduler, store, latencyMs, sent);
        else recordSends(clients.scheduler, sent);
        recordSends(clients.lambda, sent);
        const deps: KillSwitchDeps = {
          scheduler: clients.scheduler,
          lambda: clients.lambda,
          ledger: stub ? memoryLedger(latencyMs) : clients.ledger,
          logger: { info: () => undefined, warn: () => undefined },
          now: () => new Date(),
          config: {
            scheduleGroups: [group],
            ratePerSecond: DEFAULT_RATE_PER_SECOND,
            concurrency: DEFAULT_CONCURRENCY,
          },
        };
        const origin = { door: 'direct' as const, actor: 'bench', correlationId: `bench-${latencyMs}` };
        started = performance.now();
        const result = await disable(
          deps,
          killSwitchRequestSchema.parse({ action: 'disable', group, all: true, reason: 'bench' }),
          origin,
        );
        const killSwitchMs = performance.now() - started;
        if (result.counts.disabled !== count)
          throw new Error(`kill switch disabled ${JSON.stringify(result.counts)}`);
        const span = ((sent.at(-1) ?? 0) - (sent[0] ?? 0)) / 1000;
        rounds.push({
          label,
          latencyMs,
          naiveMs,
          killSwitchMs,
          ratio: naiveMs / killSwitchMs,
          requests: sent.length,
          achievedPerSecond: span > 0 ? sent.length / span : sent.length,
          peakPerSecond: peakPerSecond(sent),
        });
        clients.destroy();
        // Restore (and close) untimed, on fast clients.
        const fast = clientsFor(state, 0);
        if (stub) stubScheduler(fast.scheduler, store, 0, []);
        await enable(
          {
            ...deps,
            scheduler: fast.scheduler,
            lambda: fast.lambda,
            ledger: stub ? deps.ledger : fast.ledger,
            config: { ...deps.config, ratePerSecond: 1000 },
          },
          killSwitchRequestSchema.parse({
            action: 'enable',
            restoreId: result.restoreId,
            reason: 'bench over',
          }),
          origin,
        );
        fast.destroy();
      }
      raw.destroy();

      console.log(
        `${count} schedules; kill switch at its defaults: ${DEFAULT_RATE_PER_SECOND} requests/s, ${DEFAULT_CONCURRENCY} in flight.\n`,
      );
      printTable(
        [
          'against',
          'naive loop (s)',
          'kill switch (s)',
          'ratio',
          'requests',
          'achieved/s',
          'peak in 1 s',
          'limit/s',
        ],
        rounds.map((round) => [
          round.label,
          (round.naiveMs / 1000).toFixed(2),
          (round.killSwitchMs / 1000).toFixed(2),
          `${round.ratio.toFixed(1)}×`,
          String(round.requests),
          round.achievedPerSecond.toFixed(0),
          String(round.peakPerSecond),
          String(DEFAULT_RATE_PER_SECOND),
        ]),
        'lrrrrrrr',
      );
      console.log(
        `\nThe emulator is one Python process: on a busy machine it, not the kill switch, bounds the requests per second\n(achieved/s below the limit). The in-memory row answers Scheduler and the ledger from memory after ${LATENCY_MS} ms a round trip, as a Region\nwould, without the emulator's CPU: the pacing alone.`,
      );
      return {
        schedules: count,
        ratePerSecond: DEFAULT_RATE_PER_SECOND,
        concurrency: DEFAULT_CONCURRENCY,
        rounds: rounds.map((round) => ({
          mode: round.label,
          latencyMs: round.latencyMs,
          naiveMs: Math.round(round.naiveMs),
          killSwitchMs: Math.round(round.killSwitchMs),
          ratio: Math.round(round.ratio * 10) / 10,
          requests: round.requests,
          achievedPerSecond: Math.round(round.achievedPerSecond),
          peakPerSecond: round.peakPerSecond,
        })),
      };
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await moto.stop();
    }
  },
};
