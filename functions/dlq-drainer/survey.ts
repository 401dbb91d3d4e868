// A peek or a dry run: the same sweep as a drain (sweep.ts), but every letter is only looked at — counted,
// classified, a few bodies sampled (redacted) — and held, then released at the end. Nothing is sent or deleted.
import { cut } from './bounded.js';
import { depth } from './reads.js';
import { sampleBody } from './sample.js';
import { type Batch, sweep } from './sweep.js';
import type { DrainDeps, DrainOutcome, DrainPlan } from './types.js';

export const SAMPLE_BYTES = 200;
/** Sample bodies kept per kind of dead letter. */
const SAMPLES_PER_KIND = 3;

export async function survey(deps: DrainDeps, plan: DrainPlan): Promise<DrainOutcome> {
  const stoppedBy = await sweep(deps, plan, async (batch) => look(batch));
  return { stoppedBy, remainingApprox: await depth(deps.sqs, plan.queueUrl, 'queue') };
}

function look({ run, received, stale, redrive }: Batch): void {
  const { samples } = run.plan.tally;
  for (const letter of received) {
    if (samples.filter((sample) => sample.kind === letter.kind).length >= SAMPLES_PER_KIND) continue;
    samples.push({
      kind: letter.kind,
      key: cut(letter.key),
      errorCode: cut(letter.errorCode),
      ...sampleBody(letter.payload, SAMPLE_BYTES),
    });
  }
  run.held.push(...[...stale, ...redrive].map(({ letter }) => letter.message));
}
