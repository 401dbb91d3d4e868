// The drain's progress hook (shared/progress.ts): the CLI listens to draw its live bar when the handler runs
// in-process (`runbook dlq drain`); in Lambda nobody listens and nothing is reported.
import { progressHook } from '../../shared/progress.js';
import type { DrainProgress } from './types.js';

const drainProgress = progressHook<DrainProgress>();

/** Sets (or, with undefined, clears) the listener; returns what clears it. */
export const onDrainProgress = drainProgress.listen;
export const progressListener = drainProgress.listener;
