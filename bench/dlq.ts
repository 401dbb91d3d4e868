// The DLQ drainer against a naive loop (receive one, send or invoke one, delete one), on the same emulator in
// the same run: 1,000 SQS-fed dead letters, 1,000 Lambda-fed ones (each needs its own Invoke) raw and with a
// simulated 50 ms round trip on every call of both sides, and the achieved rate when ratePerSecond binds.
//
// Two emulators. moto recomputes a queue's attributes (a scan of every message) for each message it delivers
// or accepts, so its cost per message grows with the queue's depth and at 1,000 messages both sides mostly
// measure that scan: moto's rows use a few hundred messages. The 1,000-message rows run on
// bench/volume-emulator.ts (in a process of its own), which speaks the same wire protocols in constant time
// per message.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type DrainConfig, drain } from '../functions/dlq-drainer/drain.js';
import { drainRequestSchema } from '../functions/dlq-drainer/schema.js';
import { fillQueue, lambdaDeadLetter, recordInvokes, sourceMessage } from '../local/dlq.js';
import { provisionStack } from '../local/emulator/provision.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { printTable } from '../scripts/build.js';
import { addLatency } from './latency.js';
import type { BenchSection } from './section.js';
import { spawnVolumeEmulator } from './volume-emulator.js';

const MESSAGES = 1000;
const MOTO_MESSAGES = 200;
const LATENCY_MS = 50;
const silent = { info: () => undefined, warn: () => undefined };
// The audit record is one write per drain on both emulators' behalf; it is not what is measured here.
const ledger = {
  list: async () => [],
  record: async () => ({ notified: false }) as never,
};

interface Backend {
  label: string;
  endpoint: string;
  functionName: string;
}

type Kind = 'sqs' | 'lambda';

let queues = 0;

/** Fresh clients per measurement, so a latency middleware never outlives its row. */
function clients(backend: Backend, latencyMs: number) {
  const sqs = new SQSClient({ endpoint: backend.endpoint });
  const lambda = new LambdaClient({ endpoint: backend.endpoint });
  if (latencyMs > 0) {
    addLatency(sqs, latencyMs);
    addLatency(lambda, latencyMs);
  }
  return {
    sqs,
    lambda,
    destroy() {
      sqs.destroy();
      lambda.destroy();
    },
  };
}

async function filledDlq(backend: Backend, kind: Kind, count: number) {
  const setup = clients(backend, 0);
  queues++;
  const { QueueUrl: dlq } = await setup.sqs.send(
    new CreateQueueCommand({ QueueName: `bench-dlq-${process.pid}-${queues}` }),
  );
  const { Attributes } = await setup.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
  );
  const { QueueUrl: source } = await setup.sqs.send(
    new CreateQueueCommand({
      QueueName: `bench-source-${process.pid}-${queues}`,
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 3 }),
      },
    }),
  );
  await fillQueue(
    setup.sqs,
    String(dlq),
    Array.from({ length: count }, (_, i) =>
      kind === 'sqs' ? sourceMessage(`order-${i}`) : lambdaDeadLetter({ run: i }),
    ),
  );
  setup.destroy();
  return { dlq: String(dlq), source: String(source) };
}

const config = (backend: Backend, overrides: Partial<DrainConfig> = {}): DrainConfig => ({
  allowedQueues: [],
  accountId: '123456789012',
  allowedTargetQueues: [],
  targetFunction: backend.functionName,
  targetQualifier: 'live',
  maxAgeSeconds: 3600,
  ratePerSecond: 5000,
  concurrency: 50,
  maxMessages: 100_000,
  waitSeconds: 1,
  reserveMs: 1000,
  ...overrides,
});

async function runbook(
  backend: Backend,
  kind: Kind,
  count: number,
  latencyMs: number,
  overrides: Partial<DrainConfig> = {},
) {
  const { dlq } = await filledDlq(backend, kind, count);
  const { sqs, lambda, destroy } = clients(backend, latencyMs);
  const recorder = recordInvokes(lambda);
  const started = performance.now();
  const result = await drain(
    {
      sqs,
      lambda,
      ledger,
      logger: silent,
      now: () => new Date(),
      config: config(backend, overrides),
      freeze: { windows: [] },
      remainingMs: () => 900_000,
    },
    drainRequestSchema.parse({ queue: dlq, reason: 'bench' }),
    { door: 'direct', actor: 'bench', correlationId: 'bench' },
  );
  const seconds = (performance.now() - started) / 1000;
  recorder.stop();
  destroy();
  if (result.failed > 0 || result.redriven !== count) {
    throw new Error(`bench drain did not redrive everything: ${JSON.stringify(result).slice(0, 500)}`);
  }
  return { seconds, invokes: recorder.calls };
}

async function naive(backend: Backend, kind: Kind, count: number, latencyMs: number) {
  const { dlq, source } = await filledDlq(backend, kind, count);
  const { sqs, lambda, destroy } = clients(backend, latencyMs);
  const started = performance.now();
  let moved = 0;
  while (true) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const message = Messages[0];
    if (!message) break;
    if (kind === 'sqs') {
      await sqs.send(new SendMessageCommand({ QueueUrl: source, MessageBody: message.Body }));
    } else {
      await lambda.send(
        new InvokeCommand({
          FunctionName: backend.functionName,
          Qualifier: 'live',
          InvocationType: 'Event',
          Payload: Buffer.from(String(message.Body)),
        }),
      );
    }
    await sqs.send(new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: message.ReceiptHandle }));
    moved++;
  }
  const seconds = (performance.now() - started) / 1000;
  destroy();
  if (moved !== count) throw new Error(`naive loop moved ${moved} of ${count}`);
  return seconds;
}

async function compare(backend: Backend, count: number, cases: [string, Kind, number, string][]) {
  const rows: string[][] = [];
  const figures: Record<string, number> = {};
  for (const [label, kind, latency, target] of cases) {
    const ours = await runbook(backend, kind, count, latency);
    const theirs = await naive(backend, kind, count, latency);
    const ratio = theirs / ours.seconds;
    const key = `${kind}${latency ? `+${latency}ms` : ''}`;
    figures[`${key}.runbookSeconds`] = Number(ours.seconds.toFixed(2));
    figures[`${key}.naiveSeconds`] = Number(theirs.toFixed(2));
    figures[`${key}.ratio`] = Number(ratio.toFixed(1));
    rows.push([
      label,
      `${ours.seconds.toFixed(2)} s`,
      `${theirs.toFixed(2)} s`,
      `${ratio.toFixed(1)}×`,
      target,
    ]);
  }
  console.log(
    `\n${count} dead letters on ${backend.label}: drainer (concurrency 50, ratePerSecond 5000) vs naive loop:`,
  );
  printTable(['case', 'runbook', 'naive', 'ratio', 'target'], rows);
  return figures;
}

async function rateBinds(backend: Backend, messages: number) {
  // The limit binds: 300 messages at 50/s take about 6 s.
  const limit = 50;
  const { invokes } = await runbook(backend, 'lambda', messages, 0, {
    ratePerSecond: limit,
    maxMessages: messages,
    concurrency: 20,
  });
  const times = invokes.map((call) => call.at).sort((a, b) => a - b);
  const span = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
  const achieved = (times.length - 1) / span;
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  console.log(
    `\nratePerSecond ${limit}, ${messages} Lambda-fed messages on ${backend.label} (target: within 10%, never above):`,
  );
  printTable(
    ['measure', 'value', 'of its bound'],
    [
      [
        'rate, first → last Invoke sent',
        `${achieved.toFixed(2)}/s`,
        `${((achieved / limit) * 100).toFixed(1)}% of ${limit}/s`,
      ],
      [
        'busiest 1 s window of Invokes sent',
        `${peak}`,
        `${((peak / (limit + 1)) * 100).toFixed(1)}% of ${limit + 1}`,
      ],
    ],
  );
  console.log(
    `(GCRA with burst 1: slots ${1000 / limit} ms apart, so a 1 s window holds at most 1 + ${limit} of them; a send\n` +
      ' follows its slot by a few ms, which can bunch two at the edge of a window but never adds up over a run)',
  );
  return {
    'rate.limit': limit,
    'rate.firstToLast': Number(achieved.toFixed(2)),
    'rate.peakPerSecond': peak,
  };
}

export const dlqBench: BenchSection = {
  name: 'dlq',
  description: `redriving ${MESSAGES} dead letters vs a naive receive-one/redrive-one/delete-one loop, and the rate limit`,
  async run({ small }) {
    const messages = small ? 20 : MESSAGES;
    const motoMessages = small ? 10 : MOTO_MESSAGES;
    const saved = { ...process.env };
    const volume = await spawnVolumeEmulator();
    const moto = await startMoto();
    try {
      Object.assign(process.env, emulatorEnv(moto.endpoint));
      const fast: Backend = {
        label: 'the volume emulator',
        endpoint: volume.endpoint,
        functionName: 'bench-workload',
      };
      const figures = await compare(fast, messages, [
        ['SQS-fed, raw', 'sqs', 0, '≥ 5×'],
        ['Lambda-fed, raw', 'lambda', 0, '-'],
        [`Lambda-fed, +${LATENCY_MS} ms per call`, 'lambda', LATENCY_MS, '≥ 8×'],
      ]);
      const rate = await rateBinds(fast, small ? 20 : 300);

      const state = await provisionStack({
        endpoint: moto.endpoint,
        stackName: 'bench',
        workloadVersions: 1,
      });
      const onMoto: Backend = {
        label: 'moto',
        endpoint: moto.endpoint,
        functionName: String(state.workload?.functionName),
      };
      const motoFigures = await compare(onMoto, motoMessages, [
        ['SQS-fed, raw', 'sqs', 0, '-'],
        ['Lambda-fed, raw', 'lambda', 0, '-'],
      ]);
      return {
        messages,
        ...figures,
        ...rate,
        moto: { messages: motoMessages, ...motoFigures },
      };
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await moto.stop();
      await volume.stop();
    }
  },
};
