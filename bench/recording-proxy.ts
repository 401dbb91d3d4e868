// A loopback HTTP proxy in front of the emulator that notes when it was busy answering. A command measured
// against it is then split into the time it waited for the emulator (the same whichever way the command was
// started) and the rest: what start-up changes.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingProxy {
  /** http://127.0.0.1:PORT: use it as AWS_ENDPOINT_URL, and to provision, so the stack's URLs name it. */
  endpoint: string;
  /** Milliseconds in [from, to] (performance.now()) during which at least one request was being answered. */
  busyMs(from: number, to: number): number;
  close(): Promise<void>;
}

export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const intervals: [number, number][] = [];
  const server = createServer((incoming, outgoing) => {
    const started = performance.now();
    const upstream = request(
      new URL(incoming.url ?? '/', target),
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('end', () => intervals.push([started, performance.now()]));
      },
    );
    upstream.on('error', (error) => outgoing.destroy(error));
    incoming.pipe(upstream);
  });
  // Keep-alive connections of a finished command must not hold the bench open.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    busyMs(from, to) {
      // The union of the answering intervals within [from, to]: requests in flight together count once.
      const clipped = intervals
        .map(([start, end]): [number, number] => [Math.max(start, from), Math.min(end, to)])
        .filter(([start, end]) => end > start)
        .sort((a, b) => a[0] - b[0]);
      let total = 0;
      let reach = from;
      for (const [start, end] of clipped) {
        if (end <= reach) continue;
        total += end - Math.max(start, reach);
        reach = end;
      }
      return total;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
