// A schedule's definition as UpdateSchedule must receive it. UpdateSchedule replaces the whole schedule: "if
// you do not set an optional field in your request, that field will be set to its system-default value"
// (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_UpdateSchedule.html). So the kill switch reads
// every field with GetSchedule and sends every one of them back, changing State only.
import { createHash } from 'node:crypto';
import type { GetScheduleCommandOutput, UpdateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import { redact } from '../../shared/redact.js';

export type ScheduleState = 'ENABLED' | 'DISABLED';

/**
 * Every field GetSchedule returns that UpdateSchedule takes, as plain JSON (dates as ISO strings): what the
 * snapshot keeps and what a comparison compares. Arn, CreationDate and LastModificationDate are the service's
 * own bookkeeping, not part of the definition.
 */
export interface ScheduleDefinition {
  Name: string;
  GroupName: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: string;
  EndDate?: string;
  Description?: string;
  State?: string;
  KmsKeyArn?: string;
  Target?: Record<string, unknown>;
  FlexibleTimeWindow?: Record<string, unknown>;
  ActionAfterCompletion?: string;
}

const FIELDS = [
  'ScheduleExpression',
  'ScheduleExpressionTimezone',
  'Description',
  'State',
  'KmsKeyArn',
  'ActionAfterCompletion',
] as const;

/** null and undefined are both "not set" (moto answers null for unset fields; AWS leaves them out). */
function clean(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(clean);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = clean((value as Record<string, unknown>)[key]);
      if (item !== undefined) out[key] = item;
    }
    return out;
  }
  return value;
}

export function definitionOf(schedule: GetScheduleCommandOutput, group: string): ScheduleDefinition {
  const definition: ScheduleDefinition = {
    Name: String(schedule.Name),
    GroupName: schedule.GroupName ?? group,
  };
  for (const field of FIELDS) {
    const value = schedule[field];
    if (value !== undefined && value !== null) definition[field] = String(value);
  }
  if (schedule.StartDate) definition.StartDate = new Date(schedule.StartDate).toISOString();
  if (schedule.EndDate) definition.EndDate = new Date(schedule.EndDate).toISOString();
  const target = clean(schedule.Target);
  if (target) definition.Target = target as Record<string, unknown>;
  const window = clean(schedule.FlexibleTimeWindow);
  if (window) definition.FlexibleTimeWindow = window as Record<string, unknown>;
  return definition;
}

/**
 * The UpdateSchedule input that puts `definition` back exactly, with `state`. Every field goes back,
 * including those moto would keep if left out (it never resets ActionAfterCompletion on update): the unit
 * tests assert the full input, since the emulator cannot prove it.
 */
export function updateInput(
  definition: ScheduleDefinition,
  state: ScheduleState,
  clientToken: string,
): UpdateScheduleCommandInput {
  return {
    Name: definition.Name,
    GroupName: definition.GroupName,
    ScheduleExpression: definition.ScheduleExpression,
    ...(definition.ScheduleExpressionTimezone
      ? { ScheduleExpressionTimezone: definition.ScheduleExpressionTimezone }
      : {}),
    ...(definition.StartDate ? { StartDate: new Date(definition.StartDate) } : {}),
    ...(definition.EndDate ? { EndDate: new Date(definition.EndDate) } : {}),
    ...(definition.Description !== undefined ? { Description: definition.Description } : {}),
    ...(definition.KmsKeyArn ? { KmsKeyArn: definition.KmsKeyArn } : {}),
    ...(definition.ActionAfterCompletion
      ? { ActionAfterCompletion: definition.ActionAfterCompletion as never }
      : {}),
    FlexibleTimeWindow: structuredClone(definition.FlexibleTimeWindow) as never,
    Target: structuredClone(definition.Target) as never,
    State: state,
    ClientToken: clientToken,
  };
}

/**
 * UpdateSchedule's idempotency token (1 to 64 of [a-zA-Z0-9-_]): the same restoreId, schedule and target state
 * give the same token, so a retried or re-run request is not applied twice.
 */
export function clientToken(restoreId: string, group: string, name: string, state: ScheduleState): string {
  return createHash('sha256').update(`${restoreId}\n${group}\n${name}\n${state}`).digest('hex').slice(0, 64);
}

/** A stable text of a definition without its State: equal texts mean "nothing but the state changed". */
export function fingerprint(definition: ScheduleDefinition): string {
  const { State: _state, ...rest } = definition;
  // The ledger stores snapshots redacted; compare like with like so a secret in an Input never reads as a change.
  return JSON.stringify(clean(redact(rest)));
}

/** Which fields differ between two definitions, State aside: for a conflict a person can read. */
export function changedFields(before: ScheduleDefinition, now: ScheduleDefinition): string[] {
  const a = clean(redact(before)) as Record<string, unknown>;
  const b = clean(redact(now)) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => key !== 'State' && JSON.stringify(a[key]) !== JSON.stringify(b[key]))
    .sort();
}

export const scheduleKey = (group: string, name: string) => `${group}/${name}`;
