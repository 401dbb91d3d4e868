// What a benchmark section is, and what bench/run.ts gives it.
import type { Json } from '../local/template.js';

export interface BenchContext {
  /** Fresh processes (or repetitions) per measured figure: `--runs N`, default 15 (1 with --small). */
  runs: number;
  /**
   * `--small`: a few items per section instead of hundreds, so that every section can be run whole in a
   * test (test/integration/bench.test.ts). Its figures say only that the section runs, not how fast.
   */
  small: boolean;
}

export interface BenchSection {
  /** Selects the section with `--only <name>`; also its key in dist/bench.json. */
  name: string;
  description: string;
  /** Prints its own table and returns its figures for dist/bench.json. Never asserts. */
  run(context: BenchContext): Promise<Json>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
