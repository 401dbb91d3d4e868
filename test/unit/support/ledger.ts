// An in-memory audit ledger for unit tests: what an action records (in order), and the history it lists.
import { vi } from 'vitest';
import type { AuditEntry } from '../../../shared/audit.js';

export interface FakeLedgerOptions {
  /** What `list` answers (newest first, as the real ledger does). */
  history?: unknown[];
  /** The record time the fake reports. */
  at?: string;
  /** Without an auditId from the caller, the fake numbers its records `audit-1`, `audit-2`, … */
  numbered?: boolean;
}

export function fakeLedger(options: FakeLedgerOptions = {}) {
  const records: (AuditEntry & { auditId: string })[] = [];
  return {
    records,
    list: vi.fn(async () => (options.history ?? []) as never),
    record: vi.fn(async (entry: AuditEntry, auditId?: string) => {
      const id = auditId ?? (options.numbered ? `audit-${records.length + 1}` : String(auditId));
      records.push({ ...entry, auditId: id });
      return { ...entry, auditId: id, at: options.at ?? '', expiresAt: 0, notified: true };
    }),
  };
}

/** A logger that keeps quiet; `warn` and `error` are spies a test may assert on. */
export const silentLogger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });
