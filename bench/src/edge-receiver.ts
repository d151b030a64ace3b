/**
 * The batch-contract test receiver in its own process, so that its JSON parsing
 * never stalls the simulator the agent polls. Prints `{"url":…}` once listening;
 * counters at GET /stats.
 */
import { startTestReceiver } from '@ysh/test-helpers';

const receiver = await startTestReceiver({ token: process.argv[2] ?? 'bench-token', keepReadings: false });
process.stdout.write(`${JSON.stringify({ url: receiver.url })}\n`);
process.on('SIGTERM', () => {
  void receiver.close().then(() => process.exit(0));
});
