// The kill switch over 10,000 schedules of one group (issue 13, point 5), in the in-memory Region
// (bench/memory-region.ts: real SDK clients and the real AuditLedger, a simulated round trip per call): disable,
// read the full list back a page at a time, enable; check the estate is restored exactly. Reports the time of
// each step, the requests sent, and the sizes that must not grow with the estate: the answer, the largest
// ledger item (DynamoDB stops at 400 KB), and the pages the outcomes took.
import { isDeepStrictEqual } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { disable, enable, type KillSwitchDeps, status } from '../functions/killswitch/killswitch.js';
import { killSwitchRequestSchema } from '../functions/killswitch/schema.js';
import { printTable } from '../scripts/build.js';
import { memoryRegion } from './memory-region.js';
import type { BenchSection } from './section.js';

const SCHEDULES = 10_000;
const LATENCY_MS = 20;
// A Region's quotas for GetSchedule and UpdateSchedule are 1,000 TPS and more in the main Regions
// (schema.ts): at the default 200 requests a second, 10,000 schedules take ~100 s each way, close to the
// function's 120-s timeout (a run out of time stops cleanly and the same request resumes it). The bench runs at
// a configured 1,000 to measure the code rather than the wait; the table also shows the default-rate estimate.
const RATE = 1_000;
const CONCURRENCY = 64;
const DEFAULT_RATE = 200;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export const killSwitchScaleBench: BenchSection = {
  name: 'killswitch-scale',
  description: `a kill switch over ${SCHEDULES.toLocaleString('en')} schedules in the in-memory Region (${LATENCY_MS} ms a call, ${RATE} requests/s): disable, full list, enable, exact restore; answer and ledger sizes`,
  async run({ small }) {
    // --small checks that the section runs: a few hundred schedules, still more than one page of the answer.
    const count = small ? 300 : SCHEDULES;
    const group = 'bench-scale';
    const region = memoryRegion({ group, latencyMs: LATENCY_MS });
    const lambda = new LambdaClient({});
    try {
      for (let i = 0; i < count; i++) {
        const name = `job-${String(i).padStart(5, '0')}`;
        region.schedules.set(name, {
          Arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/${group}/${name}`,
          Name: name,
          GroupName: group,
          Description: `bench schedule ${name}`,
          ScheduleExpression: 'cron(35 9 ? * MON-FRI *)',
          ScheduleExpressionTimezone: 'America/New_York',
          FlexibleTimeWindow: { Mode: 'OFF' },
          // Every tenth was already off before the incident: it must stay off.
          State: i % 10 === 0 ? 'DISABLED' : 'ENABLED',
          Target: {
            Arn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-WorkloadFunction:live',
            RoleArn: 'arn:aws:iam::123456789012:role/bench-scheduler',
            Input: JSON.stringify({ job: name }),
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
          },
          CreationDate: new Date('2026-01-01T00:00:00Z'),
          LastModificationDate: new Date('2026-01-01T00:00:00Z'),
        });
      }
      const stateOf = () =>
        [...region.schedules.values()].map(({ LastModificationDate: _l, ...definition }) =>
          JSON.parse(JSON.stringify(definition)),
        );
      const before = stateOf();
      const deps: KillSwitchDeps = {
        scheduler: region.scheduler,
        lambda,
        ledger: region.ledger,
        logger: { info: () => undefined, warn: () => undefined },
        now: () => new Date(),
        config: { scheduleGroups: [group], ratePerSecond: RATE, concurrency: CONCURRENCY },
      };
      const origin = { door: 'direct' as const, actor: 'bench', correlationId: 'bench-scale' };
      const request = (fields: Record<string, unknown>) =>
        killSwitchRequestSchema.parse({ reason: 'bench at scale', ...fields });
      const requestsSoFar = () => [...region.requests.values()].reduce((a, b) => a + b, 0);

      // Disable
      const heap = process.memoryUsage().heapUsed;
      let started = performance.now();
      let sent = requestsSoFar();
      const off = await disable(deps, request({ action: 'disable', group, all: true }), origin);
      const disableMs = performance.now() - started;
      const disableRequests = requestsSoFar() - sent;
      const heapMb = (process.memoryUsage().heapUsed - heap) / 1024 / 1024;
      const allOff = [...region.schedules.values()].every((item) => item.State === 'DISABLED');

      // The full list, a page at a time
      started = performance.now();
      let listed = 0;
      let pages = 0;
      for (let page: number | undefined = 1; page !== undefined; pages++) {
        const answer = (await status(deps, request({ action: 'status', auditId: off.auditId, page }))) as {
          schedules: unknown[];
          next?: number;
        };
        listed += answer.schedules.length;
        page = answer.next;
      }
      const listMs = performance.now() - started;

      // Enable
      started = performance.now();
      sent = requestsSoFar();
      const on = await enable(deps, request({ action: 'enable', restoreId: off.restoreId }), origin);
      const enableMs = performance.now() - started;
      const enableRequests = requestsSoFar() - sent;
      const exact = isDeepStrictEqual(stateOf(), before);

      const items = [...region.table.values()];
      const largest = Math.max(...items.map(bytes));
      const resultPages = items.filter((item) => String(item.auditId).includes('#results#')).length;
      const snapshotParts = items.filter((item) => item.action === 'schedules.snapshot').length;
      const figures = {
        schedules: count,
        latencyMs: LATENCY_MS,
        ratePerSecond: RATE,
        concurrency: CONCURRENCY,
        disable: {
          ms: Math.round(disableMs),
          requests: disableRequests,
          counts: off.counts,
          answerBytes: bytes(off),
          allDisabled: allOff,
          heapGrowthMb: Math.round(heapMb),
        },
        fullList: { ms: Math.round(listMs), pages, listed },
        enable: {
          ms: Math.round(enableMs),
          requests: enableRequests,
          counts: on.counts,
          answerBytes: bytes(on),
          closed: on.closed === true,
        },
        restoredExactly: exact,
        ledger: { items: items.length, largestItemBytes: largest, resultPages, snapshotParts },
        defaultRateEstimateS: Math.round(disableRequests / DEFAULT_RATE),
      };
      printTable(
        ['step', 'time (s)', 'requests', 'answer (KB)', 'outcome'],
        [
          [
            'disable',
            (disableMs / 1000).toFixed(1),
            String(disableRequests),
            (bytes(off) / 1024).toFixed(1),
            `${off.counts.disabled ?? 0} disabled, ${off.counts['already-disabled'] ?? 0} already off; all off: ${allOff}`,
          ],
          [
            'full list',
            (listMs / 1000).toFixed(1),
            '-',
            '-',
            `${listed} outcomes in ${pages} pages of 1,000`,
          ],
          [
            'enable',
            (enableMs / 1000).toFixed(1),
            String(enableRequests),
            (bytes(on) / 1024).toFixed(1),
            `${on.counts.enabled ?? 0} enabled, ${on.counts['was-disabled'] ?? 0} left off; closed: ${on.closed === true}`,
          ],
        ],
        'lrrrl',
      );
      console.log(
        `\nrestored exactly: ${exact}. Ledger: ${items.length} items, the largest ${(largest / 1024).toFixed(0)} KB (DynamoDB stops at 400 KB);` +
          ` ${snapshotParts} snapshot parts, ${resultPages} result pages. Heap growth during the disable: ${heapMb.toFixed(0)} MB.` +
          `\nAt the default ${DEFAULT_RATE} requests/s the disable's ${disableRequests} requests would take ~${figures.defaultRateEstimateS} s.`,
      );
      return figures;
    } finally {
      region.destroy();
      lambda.destroy();
    }
  },
};
