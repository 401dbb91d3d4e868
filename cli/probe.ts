// Whether anything answers HTTP at the emulator's endpoint: the check every local command makes before it acts
// (cli/target.ts), so that a stopped emulator gets a plain sentence rather than the SDK's ECONNREFUSED.
//
// The compiled CLI's `bin` starts that probe before it loads the command's bundle (probeEarly), so that the
// emulator answers it while the bundle is read, deserialised and run, rather than after: ~6 ms of every local
// command (bench/cli-startup.ts). The bin and the bundle are two scripts, each with its own copy of this
// module: the early probe is handed over through one global slot, taken once by the command's check
// (takeProbe). A module of its own that imports only node:http(s), which the SDK loads anyway (fetch would
// load undici: about 50 ms of CPU at every local command).
import type { ClientRequest } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';

/** One probe of an endpoint: whether anything answered HTTP there within 2 s. */
export interface Probe {
  endpoint: string;
  answered: Promise<boolean>;
  /** Keeps the process alive until the answer (an early probe does not, until a command waits for it). */
  hold(): void;
}

export function probe(endpoint: string, held = true): Probe {
  const url = new URL(endpoint);
  const request = url.protocol === 'https:' ? https.request : http.request;
  let keep = held;
  let req: ClientRequest | undefined;
  const answered = new Promise<boolean>((resolve) => {
    req = request(url, { method: 'GET', timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('socket', (socket) => {
      if (!keep) socket.unref();
    });
    req.on('timeout', () => req?.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
  return {
    endpoint,
    answered,
    hold() {
      keep = true;
      req?.socket?.ref();
    },
  };
}

const SLOT = Symbol.for('lambda-runbook.early-probe');
type Slot = { [SLOT]?: Probe };

/**
 * Starts the probe a local command will wait for: only where that check will come (AWS_ENDPOINT_URL set, a
 * command that checks it, and no flag sending it elsewhere). It does not hold the process: a command that never
 * checks exits as before, and never waits for it.
 */
export function probeEarly(argv: readonly string[]): void {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const [command] = argv.filter((arg) => !arg.startsWith('-'));
  const elsewhere = argv.some(
    (arg) => /^--(stack|api-url|via|emulator)(=|$)/.test(arg) || /^--[\w-]+-function(=|$)/.test(arg),
  );
  if (!endpoint || !URL.canParse(endpoint) || elsewhere || command === 'emulator' || command === 'invoke')
    return;
  (globalThis as Slot)[SLOT] = probe(endpoint, false);
}

/** Whether the endpoint answers: the early probe of it when there is one (taken once), else a probe now. */
export function answers(endpoint: string): Promise<boolean> {
  const slot = globalThis as Slot;
  const early = slot[SLOT];
  delete slot[SLOT];
  const taken = early?.endpoint === endpoint ? early : probe(endpoint);
  taken.hold();
  return taken.answered;
}
