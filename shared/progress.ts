// Progress hooks: how a long action (a drain, a kill switch sweep) reports how far it got while it runs. In
// Lambda nobody listens; the CLI, which runs the same handler in-process, listens to draw a bar on stderr.
//
// A plain module variable per hook, not a global: the CLI and the handler share it because they share the
// module. The compiled CLI (scripts/build-cli.ts) bundles with code splitting, so a module both import is one
// chunk, loaded once; from source (tsx, vitest) both import the same file URL. test/integration/cli-progress.test.ts
// checks the compiled CLI both ways: each progress module in exactly one chunk, and a live bar drawn by
// `runbook dlq drain` on a terminal.

export type ProgressListener<T> = (progress: T) => void;

export interface ProgressHook<T> {
  /** Sets (or, with undefined, clears) the one listener; returns what clears it, if it is still the one set. */
  listen(listener: ProgressListener<T> | undefined): () => void;
  /** The listener to call, or undefined when nobody listens. */
  listener(): ProgressListener<T> | undefined;
}

/**
 * A hook with at most one listener, for one action's progress.
 *
 * @example
 * export const drainProgress = progressHook<DrainProgress>();
 * const stop = drainProgress.listen((p) => draw(p)); // the CLI
 * drainProgress.listener()?.({ received: 10 });       // the handler
 * stop();
 */
export function progressHook<T>(): ProgressHook<T> {
  let current: ProgressListener<T> | undefined;
  return {
    listen(listener) {
      current = listener;
      return () => {
        if (current === listener) current = undefined;
      };
    },
    listener: () => current,
  };
}
