// The compiled CLI's Powertools Tracer: scripts/build-cli.ts puts this module in place of
// `@aws-lambda-powertools/tracer` and `@aws-lambda-powertools/tracer/middleware` in the CLI's bundle only; the
// functions' bundles (scripts/build.ts) keep the real one.
//
// Why: the CLI runs the handlers in-process, where the real Tracer is always off — it traces only in a Lambda
// execution environment (AWS_EXECUTION_ENV set), and the emulator's environment sets POWERTOOLS_TRACE_ENABLED
// to false besides — and its middleware then does nothing (each of its hooks starts with
// `if (target.isTracingEnabled())`). Loading it still loads aws-xray-sdk-core, semver and cls-hooked, whose
// namespace puts async hooks on every promise of the process: about 60 ms of CPU at every local command
// (`npm run bench -- --only cli-startup`), for nothing. This is that same tracer, off, without the load.
// test/unit/tracer-off.test.ts checks that the real one is indeed off wherever the CLI runs a handler.
import type { MiddlewareLikeObj } from '@aws-lambda-powertools/commons/types';

export class Tracer {
  // The real constructor's options (service name, capture flags) only matter when tracing.
  // biome-ignore lint/complexity/noUselessConstructor: it takes the real one's options, which it ignores
  constructor(_options?: unknown) {}

  isTracingEnabled(): boolean {
    return false;
  }
}

/** The real middleware with tracing off: the same three hooks, none doing anything. */
export function captureLambdaHandler(_target: Tracer, _options?: unknown): MiddlewareLikeObj {
  const off = () => undefined;
  return { before: off, after: off, onError: off };
}
