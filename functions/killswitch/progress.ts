// The kill switch's progress hook (shared/progress.ts): the CLI listens to draw its bar while it works through
// a large selection in-process (`runbook schedules …`); in Lambda nobody listens and nothing is reported.
import { progressHook } from '../../shared/progress.js';
import type { Progress } from './killswitch.js';

const killSwitchProgress = progressHook<Progress>();

/** Sets (or, with no argument, clears) the one listener; returns what clears it. */
export const onKillSwitchProgress = (next?: Parameters<typeof killSwitchProgress.listen>[0]) =>
  killSwitchProgress.listen(next);
export const progressListener = killSwitchProgress.listener;
