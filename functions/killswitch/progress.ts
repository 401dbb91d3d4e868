// Where the kill switch reports progress while it works through a large selection. In Lambda nobody listens;
// the CLI, which runs the same handler in-process, listens to draw a progress bar on stderr.
import type { Progress } from './killswitch.js';

type Listener = (progress: Progress) => void;

let listener: Listener | undefined;

/** Sets (or, with no argument, clears) the one listener; returns what clears it. */
export function onKillSwitchProgress(next?: Listener): () => void {
  listener = next;
  return () => {
    if (listener === next) listener = undefined;
  };
}

export function progressListener(): Listener | undefined {
  return listener;
}
