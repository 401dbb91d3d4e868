import * as z from 'zod';
import { reasonSchema } from '../../shared/reason.js';

/** An approval id is the audit id of the pending request (shared/audit.ts newAuditId). */
export const APPROVAL_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

export const approvalIdSchema = z
  .string({ error: 'id is required: the approvalId the request answered' })
  .regex(APPROVAL_ID, 'expected an approval id such as 20261122T154501123Z-3fa9c2d1');

/** POST /approvals/{id}/approve and /reject: an optional reason, nothing else (the approver is the signature). */
export const voteSchema = z.strictObject({ reason: reasonSchema.optional() });
