// The CloudWatch stand-in (local/cloudwatch/stand-in.ts) in a process of its own, for a test stack whose CLI runs
// in spawnSync: that blocks the test's own event loop, so a stand-in in the test process could not answer.
//   node --import tsx test/support/cloudwatch-serve.ts UPSTREAM
// Prints its endpoint on stdout once listening; serves until stdin closes (its parent went) or SIGTERM.
import { CloudWatchStandIn } from '../../local/cloudwatch/stand-in.js';

const upstream = process.argv[2];
if (!upstream?.startsWith('http://127.0.0.1:')) {
  process.stderr.write('usage: cloudwatch-serve.ts http://127.0.0.1:PORT (moto)\n');
  process.exit(2);
}
const standIn = await CloudWatchStandIn.start(upstream);
process.stdout.write(`${standIn.endpoint}\n`);
const stop = () => void standIn.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
