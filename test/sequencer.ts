import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take longest, mostly waiting rather than computing (a child process that starts its own
// emulator, SQS long polls, the bench's sections, the supply-chain tools). On a clean clone vitest knows no
// durations and starts the largest files first, which would leave these for the end, each alone on a core.
// Starting them first lets the many short files fill the gaps. Longest first.
const SLOW_FIRST = [
  'test/integration/bench.test.ts',
  'test/integration/supply-chain.test.ts',
  'test/integration/drill.test.ts',
  'test/integration/dlq-drainer.test.ts',
  'test/integration/events.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/cli-secret.test.ts',
  'test/integration/cli-schedules.test.ts',
  'test/integration/cli-dlq.test.ts',
  'test/integration/cli-rollback.test.ts',
  'test/integration/secret-rotation.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = SLOW_FIRST.indexOf(relative(this.ctx.config.root, file.moduleId));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the others keep vitest's own order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
