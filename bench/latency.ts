// A simulated network round trip for benchmarks: moto answers on loopback in about a millisecond, a real
// region in tens. Added to every call of a client as the last step before sending, so both sides of a
// comparison pay the same price and concurrency gains show as they would against AWS.

// The part of every SDK v3 client this needs; each client's own stack type is generic over its I/O.
interface WithMiddleware {
  middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: one signature for every client's middleware types.
    add(middleware: any, options: { step: 'finalizeRequest'; name: string; override: boolean }): void;
    remove(name: string): boolean;
  };
}

const NAME = 'benchSimulatedLatency';

/** Adds `ms` of latency to every request `client` sends; returns a function that removes it. */
export function addLatency(client: WithMiddleware, ms: number): () => void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return next(args);
    },
    { step: 'finalizeRequest', name: NAME, override: true },
  );
  return () => {
    client.middlewareStack.remove(NAME);
  };
}
