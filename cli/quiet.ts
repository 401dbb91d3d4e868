// The AWS SDK warns on every client that Node 20 support ends in 2027. The deployed runtime is nodejs22.x;
// the warning is about this machine's tooling and would bury the CLI's own output, so drop that one only
// (the filter the drill and the bench use too: local/quiet.ts). Imported first by cli/main.ts.
import { dropNodeVersionWarning } from '../local/quiet.js';

dropNodeVersionWarning();
