import type { Door, Invocation } from './triggers/index.js';

/** Who asked and how: an audit record's actor and correlation id, and the door (a cool-down holds alarms only). */
export interface Origin {
  door: Door;
  actor: string;
  correlationId: string;
  /**
   * Set only by the approval flow (shared/approval/approve.ts) when it carries out an approved plan: the
   * request's id, who approved it, and what the approved plan read (a fresh plan that reads otherwise is stale).
   */
  approval?: Approved;
}

export interface Approved {
  approvalId: string;
  approvedBy: readonly string[];
  before: unknown;
}

/** The Origin of an invocation: what an action needs of it, without the payload. */
export function originOf(invocation: Pick<Invocation, 'door' | 'actor' | 'correlationId'>): Origin {
  return { door: invocation.door, actor: invocation.actor, correlationId: invocation.correlationId };
}
