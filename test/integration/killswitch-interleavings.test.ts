// The kill switch among people acting by hand, against moto (issue 13, point 6). fast-check interleaves
// disables of one group (a second one resumes the open kill switch), manual changes (enable, disable, an edited
// description) and enables, and a model says what each schedule must be. The invariant: enable puts a schedule
// back to the state it had immediately before the disable that turned it off, and touches no schedule a person
// changed after that disable — nor one the kill switch never turned off.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitionOf, updateInput } from '../../functions/killswitch/definition.js';
import { disable, enable, type KillSwitchDeps } from '../../functions/killswitch/killswitch.js';
import { killSwitchRequestSchema } from '../../functions/killswitch/schema.js';
import { provisionStack } from '../../local/emulator/provision.js';
import { AuditLedger } from '../../shared/audit.js';
import { uniqueName } from '../support/names.js';
import { createGroup, fullSchedule } from '../support/schedules.js';

// The person's client; the kill switch has its own, whose UpdateSchedule calls are recorded.
const person = new SchedulerClient({});
const killSwitchScheduler = new SchedulerClient({});
const written: string[] = [];
(killSwitchScheduler.middlewareStack.add as (...args: unknown[]) => void)(
  (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) =>
    async (args: { input: { Name?: string } }) => {
      if (context.commandName === 'UpdateScheduleCommand') written.push(String(args.input.Name));
      return next(args);
    },
  { step: 'initialize', name: 'recordWrites' },
);

const NAMES = ['a', 'b', 'c'] as const;
type Name = (typeof NAMES)[number];
type State = 'ENABLED' | 'DISABLED';

type Step =
  | { kind: 'disable' }
  | { kind: 'enable' }
  | { kind: 'manual'; name: Name; change: 'enable' | 'disable' | 'edit' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: 'disable' as const }),
  fc.constant({ kind: 'enable' as const }),
  fc.record({
    kind: fc.constant('manual' as const),
    name: fc.constantFrom(...NAMES),
    change: fc.constantFrom('enable' as const, 'disable' as const, 'edit' as const),
  }),
);

/**
 * What each schedule must be. `owned`: the kill switch turned it off and nobody has changed it since; enable
 * puts exactly those back to ENABLED (the state they had immediately before that disable) and writes nothing else.
 */
interface Model {
  state: Record<Name, State>;
  owned: Set<Name>;
  open: boolean;
}

describe('kill switch among manual changes (against the emulator)', () => {
  let deps: KillSwitchDeps;

  beforeAll(async () => {
    const state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('ks-interleave'),
    });
    deps = {
      scheduler: killSwitchScheduler,
      lambda: new LambdaClient({}),
      ledger: new AuditLedger({
        dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
        sns: new SNSClient({}),
        tableName: String(state.resources.AuditTable?.ref),
      }),
      logger: { info: () => undefined, warn: () => undefined },
      now: () => new Date(),
      config: { scheduleGroups: [], ratePerSecond: 1000, concurrency: 4 },
    };
  });

  afterAll(() => {
    person.destroy();
    killSwitchScheduler.destroy();
  });

  const origin = { door: 'direct' as const, actor: 'cli:property@ci', correlationId: 'interleave' };

  async function states(group: string): Promise<Record<string, string>> {
    const page = await person.send(new ListSchedulesCommand({ GroupName: group }));
    return Object.fromEntries((page.Schedules ?? []).map((item) => [String(item.Name), String(item.State)]));
  }

  async function manual(group: string, name: Name, change: 'enable' | 'disable' | 'edit') {
    const current = definitionOf(
      await person.send(new GetScheduleCommand({ Name: name, GroupName: group })),
      group,
    );
    if (change === 'edit') current.Description = `edited by hand ${Date.now()}`;
    const state = change === 'edit' ? (current.State as State) : change === 'enable' ? 'ENABLED' : 'DISABLED';
    await person.send(new UpdateScheduleCommand(updateInput(current, state, `hand-${Date.now()}-${name}`)));
  }

  it('enable restores only what the kill switch turned off, as it was just before, and nothing a person changed since', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ a: fc.boolean(), b: fc.boolean(), c: fc.boolean() }),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        async (initial, steps) => {
          // Prepare
          const group = uniqueName('ks-inter');
          const model: Model = {
            state: Object.fromEntries(
              NAMES.map((name) => [name, initial[name] ? 'ENABLED' : 'DISABLED']),
            ) as Record<Name, State>,
            owned: new Set(),
            open: false,
          };
          await createGroup(
            person,
            group,
            NAMES.map((name) => fullSchedule(name, { State: model.state[name] })),
          );
          const request = (fields: Record<string, unknown>) =>
            killSwitchRequestSchema.parse({ reason: 'interleaving', group, all: true, ...fields });

          for (const current of [...steps, { kind: 'enable' } as Step]) {
            // Act
            if (current.kind === 'manual') {
              await manual(group, current.name, current.change);
              if (current.change !== 'edit')
                model.state[current.name] = current.change === 'enable' ? 'ENABLED' : 'DISABLED';
              model.owned.delete(current.name);
            } else if (current.kind === 'disable') {
              const result = await disable(deps, request({ action: 'disable' }), origin);
              expect(result.counts.failed ?? 0).toBe(0);
              for (const name of NAMES) {
                if (model.state[name] === 'ENABLED') {
                  model.state[name] = 'DISABLED';
                  model.owned.add(name);
                }
              }
              model.open ||= result.restoreId !== null;
            } else {
              if (!model.open) continue;
              written.length = 0;
              const result = await enable(deps, request({ action: 'enable' }), origin);
              // Assess: exactly the owned schedules written, each back to ENABLED; the others untouched.
              expect(result.closed).toBe(true);
              expect([...written].sort()).toEqual([...model.owned].sort());
              for (const name of model.owned) model.state[name] = 'ENABLED';
              model.owned.clear();
              model.open = false;
            }
            // Assess: every schedule is in the state the model says, after every step.
            expect(await states(group)).toEqual(model.state);
          }
        },
      ),
      // Each run is a new group and a few kill switches against moto: about a second a run.
      { numRuns: 30 },
    );
  }, 240_000);

  it('the reproduction: disable {a,b}, both back on by hand, b off on purpose, disable again, enable: b stays off', async () => {
    // Prepare
    const group = uniqueName('ks-repro');
    await createGroup(person, group, [fullSchedule('a'), fullSchedule('b')]);
    const request = (fields: Record<string, unknown>) =>
      killSwitchRequestSchema.parse({ reason: 'reproduction', group, all: true, ...fields });

    // Act
    const first = await disable(deps, request({ action: 'disable' }), origin);
    await manual(group, 'a', 'enable');
    await manual(group, 'b', 'enable');
    await manual(group, 'b', 'disable');
    const again = await disable(deps, request({ action: 'disable' }), origin);
    const on = await enable(deps, request({ action: 'enable' }), origin);

    // Assess
    expect(again).toMatchObject({ resumed: true, restoreId: first.restoreId });
    expect(Object.fromEntries(again.schedules.map((s) => [s.name, s.outcome]))).toEqual({
      a: 'disabled',
      b: 'already-disabled',
    });
    expect(Object.fromEntries(on.schedules.map((s) => [s.name, s.outcome]))).toEqual({
      a: 'enabled',
      b: 'was-disabled',
    });
    expect(await states(group)).toEqual({ a: 'ENABLED', b: 'DISABLED' });
  });
});
