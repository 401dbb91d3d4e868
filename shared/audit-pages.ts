// An audit record's size must not depend on how many things an action touched (a kill switch over 10,000
// schedules, a drain of a deep queue): a DynamoDB item stops at 400 KB. The lists of a record's `details` that
// would take it past that move out into page items of the same table, and are read back in place on demand
// (AuditLedger.expand in audit.ts). Pure: no client here.

import { isObject } from './validate.js';

/** What paging needs of a record (an AuditRecord is one). */
export interface PagedRecord {
  auditId: string;
  expiresAt: number;
  details?: unknown;
}

// DynamoDB's item limit is 400 KB; keep headroom for attribute names and indexes.
export const MAX_ITEM_BYTES = 350 * 1024;
// A list in `details` that would take a record past MAX_ITEM_BYTES moves out into page items of about this size.
const PAGE_BYTES = 300 * 1024;

/**
 * What stands in `details` for a list moved out of a record because of its size: `count` items in `pages` items
 * of the same table, keyed `${key}#0`, `${key}#1`, …. Read back with `list(…, { expand: true })` or `get(…, {
 * expand: true })`.
 */
export interface PagedList {
  paged: true;
  count: number;
  pages: number;
  key: string;
}

/**
 * One page of a list moved out of a record. It has no `target`, `action` or `at`: the byTarget and byAction
 * indexes are sparse, so pages never show in `list`, only through the record that points at them.
 */
export interface PageItem {
  auditId: string;
  parent: string;
  field: string;
  page: number;
  items: unknown[];
  expiresAt: number;
}

export function isPagedList(value: unknown): value is PagedList {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as PagedList).paged === true &&
    typeof (value as PagedList).key === 'string' &&
    Number.isInteger((value as PagedList).pages)
  );
}

export const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

/**
 * Moves the largest lists of `details` into pages until the record fits an item. A record's size then does not
 * depend on how many things an action touched (a kill switch over 10,000 schedules, a drain of a deep queue):
 * only what is not a list counts, and that is the caller's to keep small.
 */
export function pageOut<R extends PagedRecord>(record: R): { record: R; pages: PageItem[] } {
  const details = record.details;
  if (!isObject(details)) return { record, pages: [] };
  const fields = { ...details };
  const lists = Object.entries(fields)
    .filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]))
    .sort((a, b) => sizeOf(b[1]) - sizeOf(a[1]));
  const pages: PageItem[] = [];
  for (const [field, items] of lists) {
    if (sizeOf({ ...record, details: fields }) <= MAX_ITEM_BYTES) break;
    const key = `${record.auditId}#${field}`;
    let count = 0;
    let current: unknown[] = [];
    let bytes = 0;
    const flush = () => {
      pages.push({
        auditId: `${key}#${count}`,
        parent: record.auditId,
        field,
        page: count++,
        items: current,
        expiresAt: record.expiresAt,
      });
      current = [];
      bytes = 0;
    };
    for (const item of items) {
      const size = sizeOf(item) + 1;
      if (current.length > 0 && bytes + size > PAGE_BYTES) flush();
      current.push(item);
      bytes += size;
    }
    if (current.length > 0) flush();
    fields[field] = { paged: true, count: items.length, pages: count, key } satisfies PagedList;
  }
  return { record: { ...record, details: fields }, pages };
}
