// The kill switch's writes: each schedule sent back whole with only its State changed (definition.ts), paced,
// bounded in flight, stopped cleanly before the timeout. Disable and enable differ only in the State they write.
import { UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { describe } from '../../shared/errors.js';
import { mapSettled } from '../../shared/rate.js';
import { clientToken, updateInput } from './definition.js';
import type { PacedDeps, Pending, ScheduleResult } from './types.js';

/**
 * UpdateSchedule for every pending schedule, to `state`, with the token derived from the kill switch (a retried
 * write is the same request). `settled` runs once each write has settled, failed ones too (a denied write may
 * still have landed). A write that failed or never ran (out of time) is marked in `results`: the same request
 * finishes the job.
 */
export async function updateAll(
  deps: PacedDeps,
  restoreId: string,
  pending: readonly Pending[],
  state: 'ENABLED' | 'DISABLED',
  results: ScheduleResult[],
  settled?: (item: Pending) => void,
): Promise<void> {
  const { pacer } = deps;
  let done = 0;
  const updates = await mapSettled(
    pending,
    { concurrency: deps.config.concurrency, shouldStop: () => pacer.outOfTime() },
    async (item) => {
      const { definition } = item;
      const token = clientToken(restoreId, definition.GroupName, definition.Name, state);
      try {
        await pacer.send(() =>
          deps.scheduler.send(new UpdateScheduleCommand(updateInput(definition, state, token))),
        );
      } finally {
        settled?.(item);
        deps.onProgress?.({ phase: 'write', done: ++done, total: pending.length });
      }
    },
  );
  for (const [position, update] of updates.entries()) {
    const result = results[(pending[position] as Pending).index] as ScheduleResult;
    if (update.status === 'error')
      Object.assign(result, { outcome: 'failed', error: describe(update.error) });
    if (update.status === 'skipped')
      Object.assign(result, { outcome: 'skipped', error: 'out of time: run the same request again' });
  }
}

/** A schedule whose definition could not be read: skipped (out of time, the same request resumes) or failed. */
export function unreadResult(
  base: { group: string; name: string },
  read: { error?: string },
): ScheduleResult {
  return {
    ...base,
    outcome: read.error?.startsWith('skipped') ? 'skipped' : 'failed',
    ...(read.error ? { error: read.error } : {}),
  };
}
