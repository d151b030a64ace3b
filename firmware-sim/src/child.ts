/**
 * Child-process entry for tests that kill the simulator:
 *   node --import tsx firmware-sim/src/child.ts --devices 3 --port 0 --control-port 0
 * Same flags as `ysh sim`; logs JSON, the line with msg "simulator ready" carries ports and controlUrl.
 */
import { isYshError } from '@ysh/common';
import { simCommand } from './cli.ts';

simCommand.run(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`ysh sim: ${isYshError(err) ? err.message : String(err)}\n`);
  process.exit(2);
});
