import * as z from 'zod';
import { optionalSetting } from '../../shared/env.js';
import { reserveSetting } from '../../shared/lifecycle-hook.js';

/** Lambda's payload limit for a synchronous invocation is 6 MB; a smoke payload is small. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

const jsonValue: z.ZodType<unknown> = z.unknown();

/** One smoke case: an invocation of the version under test and what its answer must be. */
export const smokeCaseSchema = z.strictObject({
  name: z
    .string({ error: 'name is required' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,79}$/, 'expected a short case name (letters, digits, . _ : / -)'),
  payload: jsonValue.refine(
    (value) => value !== undefined && Buffer.byteLength(JSON.stringify(value)) <= MAX_PAYLOAD_BYTES,
    `payload is required and must be JSON of at most ${MAX_PAYLOAD_BYTES} bytes`,
  ),
  expect: z
    .strictObject({
      /** Whether the function must raise an error; default false (it must not). */
      functionError: z.boolean().default(false),
      /** Every key here must appear in the answer with the same value (objects compared recursively). */
      jsonSubset: z.record(z.string(), jsonValue).optional(),
      /** The case fails if the invocation takes longer. */
      maxDurationMs: z.number().int().min(1).max(900_000).optional(),
    })
    .default({ functionError: false }),
  /** The invocation is abandoned (and the case fails) after this long; default the suite's. */
  timeoutMs: z.number().int().min(1).max(900_000).optional(),
});

export const smokeSuiteSchema = z.strictObject({
  $comment: z.string().optional(),
  /** Cases in flight at most. */
  concurrency: z.number().int().min(1).max(50).default(5),
  /** A case's timeout when it names none. */
  defaultTimeoutMs: z.number().int().min(1).max(900_000).default(10_000),
  /** Also invoke `{ "runbook": "health" }` and require the git sha the version's description records. */
  checkBuildMetadata: z.boolean().default(true),
  cases: z
    .array(smokeCaseSchema)
    .max(100, 'at most 100 cases')
    .superRefine((cases, ctx) => {
      const seen = new Set<string>();
      for (const [index, item] of cases.entries()) {
        if (seen.has(item.name))
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate case ${item.name}` });
        seen.add(item.name);
      }
    }),
});

export type SmokeCase = z.infer<typeof smokeCaseSchema>;
export type SmokeSuite = z.infer<typeof smokeSuiteSchema>;

/** The hook's configuration, from template.yaml. */
export const preTrafficConfigSchema = z.object({
  /** The workload, used only when the deployment carries no AppSpec content naming it. */
  TARGET_FUNCTION: optionalSetting,
  /** Time kept back from the invocation for reporting the status (and the audit record). */
  /** At least REPORT_RESERVE_FLOOR_MS (5 s): a lower setting is refused and the hook reports Failed. */
  SMOKE_RESERVE_MS: reserveSetting(30_000),
  /** The suite as JSON; absent: the suite bundled with the hook (smoke-suite.json). */
  SMOKE_SUITE: optionalSetting,
  /** `true`: report Succeeded without running any case. Disaster recovery only; audited and notified. */
  SKIP_SMOKE: z.preprocess(
    (value) => (value === undefined || value === '' ? 'false' : String(value).toLowerCase()),
    z.enum(['true', 'false'], { error: 'SKIP_SMOKE must be true or false' }),
  ),
});

export type PreTrafficConfig = z.infer<typeof preTrafficConfigSchema>;
