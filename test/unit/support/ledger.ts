// In-memory audit ledgers for unit tests: what an action records (in order), and the history it lists.
import { vi } from 'vitest';
import type { AuditEntry, AuditRecord } from '../../../shared/audit.js';

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
    get: vi.fn(async (_auditId: string): Promise<AuditRecord | undefined> => undefined),
    record: vi.fn(async (entry: AuditEntry, auditId?: string) => {
      const id = auditId ?? (options.numbered ? `audit-${records.length + 1}` : String(auditId));
      records.push({ ...entry, auditId: id });
      return { ...entry, auditId: id, at: options.at ?? '', expiresAt: 0, notified: true };
    }),
  };
}

/**
 * A ledger kept in memory that lists what it recorded, by target or action, newest first, and gets a record by
 * its id: what an action writes is what its next run reads. Records are stamped a millisecond apart from `start`.
 */
export function memoryLedger(start: Date) {
  const records: AuditRecord[] = [];
  let tick = 0;
  return {
    records,
    list: vi.fn(async (query: { target: string } | { action: string }) =>
      records
        .filter((r) => ('target' in query ? r.target === query.target : r.action === query.action))
        .sort((a, b) => b.at.localeCompare(a.at)),
    ),
    get: vi.fn(async (auditId: string) => records.find((r) => r.auditId === auditId)),
    record: vi.fn(async (entry: AuditEntry, auditId?: string) => {
      const at = new Date(start.getTime() + tick++).toISOString();
      const record = structuredClone({ ...entry, auditId: auditId ?? `a${tick}`, at, expiresAt: 0 });
      records.push(record);
      return { ...record, notified: true };
    }),
  };
}

/** A logger that keeps quiet; `warn` and `error` are spies a test may assert on. */
export const silentLogger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });
