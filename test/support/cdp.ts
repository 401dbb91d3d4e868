// Drives a headless Chromium through the Chrome DevTools Protocol over a pipe (--remote-debugging-pipe: JSON
// messages separated by NUL on file descriptors 3 and 4), so a test needs no WebSocket client and no new
// dependency (Node 20 has no global WebSocket without a flag). Enough for one page: open a URL, wait for its
// load event, evaluate an expression in it.
// https://chromedevtools.github.io/devtools-protocol/
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--remote-debugging-pipe',
];

interface Message {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private readonly waiters: { method: string; sessionId?: string; resolve: (m: Message) => void }[] = [];
  private buffer = '';
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => this.receive(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = `${this.stderr}${chunk.toString('utf8')}`.slice(-4000);
    });
    child.once('exit', (code) => {
      for (const { reject } of this.pending.values())
        reject(new Error(`Chromium exited (${code}) before answering:\n${this.stderr}`));
      this.pending.clear();
    });
  }

  /** Starts Chromium headless with a fresh profile in a temporary directory. */
  static start(binary: string): HeadlessChromium {
    const profile = mkdtempSync(join(tmpdir(), 'runbook-chromium-'));
    const child = spawn(binary, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    return new HeadlessChromium(child, profile);
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\0');
    while (end >= 0) {
      const message = JSON.parse(this.buffer.slice(0, end)) as Message;
      this.buffer = this.buffer.slice(end + 1);
      end = this.buffer.indexOf('\0');
      if (message.id !== undefined) {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(`CDP: ${message.error.message}`));
        else waiting?.resolve(message);
        continue;
      }
      const index = this.waiters.findIndex(
        (w) =>
          w.method === message.method && (w.sessionId === undefined || w.sessionId === message.sessionId),
      );
      if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve(message);
    }
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const answer = new Promise<Message>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    (this.child.stdio[3] as Writable).write(
      `${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`,
    );
    return answer.then((message) => message.result ?? {});
  }

  private event(method: string, sessionId?: string): Promise<Message> {
    return new Promise((resolve) =>
      this.waiters.push({ method, ...(sessionId ? { sessionId } : {}), resolve }),
    );
  }

  /** Opens `url` in a new page and waits for its load event; returns the page's session. */
  async open(url: string): Promise<string> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    await this.send('Page.enable', {}, sessionId);
    const loaded = this.event('Page.loadEventFired', sessionId);
    const navigated = (await this.send('Page.navigate', { url }, sessionId)) as { errorText?: string };
    if (navigated.errorText) throw new Error(`Chromium could not open ${url}: ${navigated.errorText}`);
    await loaded;
    return sessionId;
  }

  /** The value of `expression` in the page (JSON-serializable). */
  async evaluate<T>(sessionId: string, expression: string): Promise<T> {
    const { result, exceptionDetails } = (await this.send(
      'Runtime.evaluate',
      { expression, returnByValue: true },
      sessionId,
    )) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (exceptionDetails) throw new Error(`evaluation failed: ${exceptionDetails.text}`);
    return result.value;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    await this.send('Browser.close').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}
