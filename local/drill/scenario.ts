// What a drill scenario is: a named story run against the provisioned emulator through the real handlers.
import type { EmulatorState } from '../emulator/provision.js';
import type { InvokeOutcome } from '../invoke.js';

export interface DrillContext {
  state: EmulatorState;
  /** Invokes a function's real handler in-process with an event (a path under events/ or an object). */
  invoke(
    logicalId: string,
    event: string | object,
    env?: Record<string, string>,
  ): Promise<InvokeOutcome & { body: Record<string, unknown> }>;
  /** Records a step on the timeline. */
  step(text: string): void;
  /** Fails the scenario with `message` unless `condition` holds. */
  expect(condition: unknown, message: string): asserts condition;
}

export interface Scenario {
  name: string;
  /** One line: what an on-call engineer would be practising. */
  summary: string;
  run(ctx: DrillContext): Promise<void>;
}

export class DrillFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillFailure';
  }
}
