/**
 * Child-process entry: `node --import tsx stream-processor/src/main.ts [--port P]`
 * (what `ysh processor` runs; the crash test spawns it to kill -9 it).
 */
import { commands } from './cli.ts';

const processor = commands.find((c) => c.name === 'processor');
await processor?.run(process.argv.slice(2));
