// What the rotation steps (rotation.ts) and the revocation of the previous key (revoke.ts) share.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ActionDeps } from '../../shared/action.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { FreezeGuard } from '../../shared/freeze/guard.js';
import type { Log } from '../../shared/log.js';
import type { Origin as RequestOrigin } from '../../shared/origin.js';
import type { RevokeOutcome } from './providers.js';
import type { Step } from './schema.js';

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';
export const PREVIOUS = 'AWSPREVIOUS';

export interface RotationConfig {
  /** Hours the AWSPREVIOUS key stays valid before `revokePrevious` may revoke it without `emergency`. */
  graceHours: number;
}

export interface RotationDeps extends ActionDeps {
  secrets: SecretsManagerClient;
  fetch: typeof fetch;
  /** Records and notifies the ops topic: failures, completed rotations, revocations. */
  ledger: Pick<AuditLedger, 'record'>;
  /** Records without notifying: the routine steps of a rotation that goes well. */
  quietLedger: Pick<AuditLedger, 'record'>;
  logger: Pick<Log, 'info' | 'warn'>;
  now: () => Date;
  config: RotationConfig;
  /**
   * The change freezes (FREEZE_WINDOWS): no new rotation begins and no previous key is revoked during one;
   * a rotation that has already stored its new key is always completed. The deployed function always sets it.
   */
  freeze?: FreezeGuard;
  /**
   * A revocation asked through the API during a freeze is held for approval rather than refused
   * (functions/secret-rotation/governed.ts sets it).
   */
  freezeNeedsApproval?: boolean;
  /** The invocation's remaining time: bounds the wait for a vendor's late answer. */
  remainingMs?: () => number;
}

/** Who asked: Secrets Manager's steps and an operator's revocation need no door. */
export type Origin = Pick<RequestOrigin, 'actor' | 'correlationId'>;

export type Stages = Record<string, string[]>;

/** A revocation done (or found done) at the provider, by key id: never the key. */
export interface Revocation {
  versionId: string;
  /** `previous`: the key the last rotation replaced; `unstored`: a key made for a version but never stored. */
  why: 'previous' | 'unstored';
  apiKeyId?: string;
  outcome: RevokeOutcome;
}

export interface StepResult {
  secretArn: string;
  name: string;
  step: Step;
  versionId: string;
  changed: boolean;
  note: string;
  /** The new key's id (http provider) once createSecret made it. */
  apiKeyId?: string;
  revoked: Revocation[];
  stages: Stages;
  auditId: string;
}
