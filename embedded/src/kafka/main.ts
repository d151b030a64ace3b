/**
 * Runs the broker as its own process (`node --import tsx embedded/src/kafka/main.ts --data-dir D --port 0`),
 * as `ysh broker` does; the durability tests start and kill -9 it this way.
 */
import { brokerCommand } from './cli.ts';

brokerCommand.run(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
