/**
 * `ysh-edge`: the edge agent's own entry, for site gateways that install only the edge package
 * (bundled into one file with its pure-JS dependencies by scripts/bundle.mjs; see README).
 */
import { ConfigError, isYshError } from '@ysh/common';
import { edgeMain } from './edge-commands.ts';

try {
  const code = await edgeMain(process.argv.slice(2));
  if (code !== 0) process.exitCode = code;
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`ysh-edge: ${err.message}\n`);
    process.exitCode = 2;
  } else if (isYshError(err)) {
    process.stderr.write(`ysh-edge: ${err.message}\n`);
    process.exitCode = 1;
  } else throw err;
}
