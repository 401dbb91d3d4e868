import type { Door, Invocation } from './triggers/index.js';

/** Who asked and how: an audit record's actor and correlation id, and the door (a cool-down holds alarms only). */
export interface Origin {
  door: Door;
  actor: string;
  correlationId: string;
}

/** The Origin of an invocation: what an action needs of it, without the payload. */
export function originOf(invocation: Pick<Invocation, 'door' | 'actor' | 'correlationId'>): Origin {
  return { door: invocation.door, actor: invocation.actor, correlationId: invocation.correlationId };
}
