// A progress hook for the CLI's live bar when the handler runs in-process (`runbook dlq drain`). It lives on
// globalThis under a registered symbol so the CLI and the handler agree on it whichever module instance each
// loaded; in Lambda nobody sets it and nothing is reported.
import type { DrainProgress } from './drain.js';

const KEY = Symbol.for('lambda-runbook.dlq-drainer.progress');

type Listener = (progress: DrainProgress) => void;

export function progressListener(): Listener | undefined {
  return (globalThis as Record<symbol, Listener | undefined>)[KEY];
}

/** Sets (or, with undefined, clears) the listener; returns what clears it. */
export function onDrainProgress(listener: Listener | undefined): () => void {
  (globalThis as Record<symbol, Listener | undefined>)[KEY] = listener;
  return () => {
    delete (globalThis as Record<symbol, Listener | undefined>)[KEY];
  };
}
