// Debian's Chromium for the tests that need a real browser (the timeline's HTML page). Installed by the test
// set-up as the project's other tools are checked: found at /usr/bin/chromium, else installed with apt-get
// when this runs as root (a fresh CI machine), else the run fails with the command to run. Never skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.RUNBOOK_CHROMIUM ?? '/usr/bin/chromium';
const INSTALL = 'apt-get install -y chromium';

function works(): boolean {
  if (!existsSync(CHROMIUM)) return false;
  return spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 }).status === 0;
}

function apt(args: string[]): { ok: boolean; output: string } {
  const result = spawnSync('apt-get', args, {
    encoding: 'utf8',
    timeout: 900_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return {
    ok: result.status === 0,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}`,
  };
}

/** The path of a working Chromium, installing Debian's package first when it is missing and we are root. */
export function ensureChromium(): string {
  if (works()) return CHROMIUM;
  if (process.getuid?.() !== 0)
    throw new Error(
      `Chromium is not installed (${CHROMIUM}) and the tests do not run as root, so they cannot install it: run \`sudo ${INSTALL}\` (Debian's package), or set RUNBOOK_CHROMIUM to a Chromium binary.`,
    );
  process.stderr.write(`test set-up: installing Chromium (${INSTALL})…\n`);
  let install = apt(['install', '-y', 'chromium']);
  // A fresh machine may have no package lists yet.
  if (!install.ok && apt(['update']).ok) install = apt(['install', '-y', 'chromium']);
  if (!install.ok || !works())
    throw new Error(
      `\`${INSTALL}\` failed; the browser tests cannot run without Chromium:\n${install.output.slice(-2000)}`,
    );
  return CHROMIUM;
}
