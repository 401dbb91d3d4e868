// One line of the incident timeline, whatever it came from: an action of the audit ledger, a CodeDeploy
// deployment or one of its lifecycle events, or an alarm's state change. The readers (ledger.ts,
// deployments.ts, alarms.ts) turn each source's records into these; merge.ts orders them; markdown.ts and
// html.ts render them. Every text field may carry untrusted input (an actor, a reason, an alarm's reason):
// renderers escape them all.
import type { Governance } from './governance.js';

export type TimelineKind = 'alarm' | 'deployment' | 'lifecycle' | 'action';

/** The order of sources when two entries share a timestamp: the cause (an alarm) before what answered it. */
export const KIND_ORDER: readonly TimelineKind[] = ['alarm', 'deployment', 'lifecycle', 'action'];

export interface TimelineEntry {
  /** ISO-8601 time, UTC, milliseconds. */
  at: string;
  kind: TimelineKind;
  /** What happened, in a few words: `rollback function:trading:live`, `alarm trading-errors OK → ALARM`. */
  what: string;
  /** Who did it: the ledger's actor, CodeDeploy's creator, CloudWatch. */
  who: string;
  /** succeeded, failed, planned (a dry run), ALARM, Succeeded… */
  outcome: string;
  /** The exact command that reverses an action, when the ledger has one. */
  undo?: string;
  /** Why: the ledger's reason, a deployment's error, the alarm's state reason. */
  detail?: string;
  /** The source record: an audit id, a deployment id, an alarm name. */
  ref: string;
  /** The watched workload it belongs to, when known. */
  workload?: string;
  /** An action's approval story: held for approval, a vote, approved by whom, or break-glass (issue 18). */
  governance?: Governance;
}

/** A source the timeline could not read (moto lacks it, no permission): said, never silently missing. */
export interface TimelineGap {
  source: string;
  message: string;
}

export interface Timeline {
  since: string;
  until: string;
  entries: TimelineEntry[];
  /** Entries in the window left out because of the limit. */
  omitted: number;
  limit: number;
  gaps: TimelineGap[];
}
