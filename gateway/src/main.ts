/**
 * Process entry without the `ysh` bin: `node --import tsx gateway/src/main.ts [gateway] [--port P]`
 * or `… main.ts sites <add|token|revoke|list> <site>`. Tests spawn it to kill it.
 */
import { commands } from './cli.ts';

const argv = process.argv.slice(2);
const named = commands.find((c) => c.name === argv[0]);
const command = named ?? commands.find((c) => c.name === 'gateway');
await command?.run(named ? argv.slice(1) : argv);
