/**
 * Child-process entry: `node --import tsx gateway/src/main.ts [--port P]`
 * (what `ysh gateway` runs; tests spawn it to kill it).
 */
import { commands } from './cli.ts';

const gateway = commands.find((c) => c.name === 'gateway');
await gateway?.run(process.argv.slice(2));
