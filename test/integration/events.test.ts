// Every sample event under events/ runs through the same in-process invoker as `runbook invoke`,
// against the stack provisioned from template.yaml in the emulator, and answers what events/index.json says.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeEvent } from '../../local/invoke-event.js';
import { projectRoot } from '../../local/template.js';

interface Expectation {
  function: string;
  expect: { exitCode: 0 | 2; statusCode?: number; field?: string };
}

const eventsDir = join(projectRoot, 'events');
const manifest = JSON.parse(readFileSync(join(eventsDir, 'index.json'), 'utf8')) as Record<
  string,
  Expectation | string
>;
const entries = Object.entries(manifest).filter(
  (entry): entry is [string, Expectation] => !entry[0].startsWith('$'),
);

function eventFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? eventFiles(join(dir, entry.name))
      : entry.name.endsWith('.json') && entry.name !== 'index.json'
        ? [relative(eventsDir, join(dir, entry.name))]
        : [],
  );
}

describe('sample events', () => {
  let state: EmulatorState;

  beforeAll(async () => {
    // The stack the samples name (`runbook-local-WorkloadFunction`, as `npm run emulator` provisions it).
    // No other test provisions this name on the shared moto (the drill uses `drill`, the others uniqueName).
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: 'runbook-local',
    });
  });

  it('lists every file under events/ in events/index.json, and nothing that does not exist', () => {
    expect(entries.map(([file]) => file).sort()).toEqual(eventFiles(eventsDir).sort());
  });

  it.each(entries)('%s answers as events/index.json says', async (file, spec) => {
    // Prepare
    const event = JSON.parse(readFileSync(join(eventsDir, file), 'utf8'));

    // Act
    const outcome = await invokeEvent({ logicalId: spec.function, event, state });

    // Assess
    expect(outcome.unresolved).toEqual([]);
    expect(outcome.exitCode).toBe(spec.expect.exitCode);
    const result = outcome.result as { statusCode?: number; body?: string; ok?: boolean };
    if (spec.expect.statusCode !== undefined) expect(result.statusCode).toBe(spec.expect.statusCode);
    const body = typeof result.body === 'string' ? JSON.parse(result.body) : result;
    if (spec.expect.exitCode === 0) expect(body.ok ?? true).toBe(true);
    if (spec.expect.field !== undefined) expect(body.error.field).toBe(spec.expect.field);
  });
});
