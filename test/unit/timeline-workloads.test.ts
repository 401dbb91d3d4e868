// Which watch list the timeline reads: the fleet's (the stack's WatchList parameter over the working directory's
// watchlist.json, as functions/fleet/watched.ts decides), unless the operator names a file.
import { describe, expect, it } from 'vitest';
import { watchedWorkloads } from '../../shared/timeline/workloads.js';

const list = (name: string) =>
  JSON.stringify({ accounts: [], workloads: [{ name, functionName: `${name}-fn`, alias: 'live' }] });
const names = (workloads: { name: string }[]) => workloads.map((workload) => workload.name);
const stack = { WATCHED_FUNCTION: 'stack-fn', WATCHED_ALIAS: 'live' };

describe('the timeline’s watched workloads', () => {
  it('reads the WatchList parameter over the working directory’s watchlist.json, with the stack’s own', () => {
    const found = watchedWorkloads(
      { ...stack, WATCH_LIST: list('quotes') },
      { content: JSON.parse(list('orders')), named: false },
    );
    expect(names(found)).toEqual(['quotes', 'workload']);
  });

  it('reads watchlist.json when the parameter is empty, as the fleet does', () => {
    const found = watchedWorkloads(
      { ...stack, WATCH_LIST: ' ' },
      { content: JSON.parse(list('orders')), named: false },
    );
    expect(names(found)).toEqual(['orders', 'workload']);
  });

  it('reads the file the operator names over the parameter', () => {
    const found = watchedWorkloads(
      { ...stack, WATCH_LIST: list('quotes') },
      { content: JSON.parse(list('orders')), named: true },
    );
    expect(names(found)).toEqual(['orders', 'workload']);
  });

  it('names the parameter when it is not JSON or not a watch list', () => {
    expect(() => watchedWorkloads({ ...stack, WATCH_LIST: '{"workloads":' }, undefined)).toThrow(
      /^the stack's WatchList parameter \(FleetFunction's WATCH_LIST\): \(root\): not JSON: /,
    );
    expect(() =>
      watchedWorkloads(
        { ...stack, WATCH_LIST: '{"accounts":[],"workloads":[{"name":"Bad Name"}]}' },
        undefined,
      ),
    ).toThrow(/^the stack's WatchList parameter \(FleetFunction's WATCH_LIST\): workloads\.0\./);
  });
});
