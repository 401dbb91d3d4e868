import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take longest, mostly waiting rather than computing (a child process that starts its own
// emulator, a property run against moto, SQS long polls, the bench's sections, cfn-lint and the supply-chain
// tools). On a clean clone vitest knows no durations and starts the largest files first, which would leave these
// for the end, each alone on a core: in one measured run the kill switch's scale and interleaving files, not
// listed then, started after three minutes and ended the run. Starting them first lets the many short files fill
// the gaps. Longest first, by the longer of their durations in two runs with shared workers (isolate: false) on
// a loaded 2-core machine: test/integration alone, and the whole npm test (bench's is its beforeAll).
const SLOW_FIRST = [
  'test/integration/docs-commands.test.ts',
  'test/integration/bench.test.ts',
  'test/integration/drill.test.ts',
  'test/integration/dlq-drainer.test.ts',
  'test/integration/killswitch-interleavings.test.ts',
  'test/integration/cli-fleet.test.ts',
  'test/integration/supply-chain.test.ts',
  'test/integration/events.test.ts',
  'test/integration/secret-rotation.test.ts',
  'test/integration/rollback.test.ts',
  'test/integration/approvals.test.ts',
  'test/integration/killswitch-scale.test.ts',
  'test/integration/cli-schedules.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/cli-approvals.test.ts',
  'test/unit/killswitch-scale.test.ts',
  'test/template/template.test.ts',
  'test/integration/cli-timeline.test.ts',
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
