import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, tempDir } from '@ysh/test-helpers';
import { describe, expect, it } from 'vitest';
import { ChildService, lastLogError } from '@ysh/cli/platform';

describe('a component that dies while starting', () => {
  it('is reported with the reason its own log gives, not only the path of the log', async () => {
    const dir = await tempDir('ysh-child-');
    try {
      const port = await freePort();
      const logFile = join(dir.path, 'processor.log');
      const service = new ChildService({
        name: 'processor',
        args: ['processor', '--port', String(port)],
        env: { YSH_DATA_DIR: dir.path, YSH_PROCESSOR_WINDOW: 'banana' },
        logFile,
        healthUrl: `http://127.0.0.1:${port}/health`,
      });
      const err = await service.start().then(
        () => undefined,
        (e: Error) => e,
      );
      service.closeLog();
      expect(err?.message).toMatch(/^processor exited while starting \(.*YSH_PROCESSOR_WINDOW: expected a duration/);
      expect(err?.message).toContain(`see ${logFile}`);
    } finally {
      await dir.remove();
    }
  }, 60_000);

  it('takes the last error-level JSON line, with its error message, over the lines after it', async () => {
    const dir = await tempDir('ysh-child-log-');
    try {
      const file = join(dir.path, 'x.log');
      await writeFile(
        file,
        [
          '{"level":30,"msg":"starting"}',
          '{"level":50,"msg":"first failure"}',
          '{"level":60,"msg":"cannot start","err":{"message":"connect ECONNREFUSED 127.0.0.1:9092"}}',
          '{"level":30,"msg":"bye"}',
          '',
        ].join('\n'),
      );
      expect(await lastLogError(file)).toBe('cannot start: connect ECONNREFUSED 127.0.0.1:9092');
      await writeFile(file, 'plain text\nlast words\n');
      expect(await lastLogError(file)).toBe('last words');
      await writeFile(
        file,
        [
          '/work/node_modules/pg-pool/index.js:45',
          '    Error.captureStackTrace(err)',
          '',
          'Error: Connection terminated due to connection timeout',
          '    at async migrate (/work/common/src/db/migrate.ts:58:18)',
          '  [cause]: Error: Connection terminated unexpectedly',
          '}',
          '',
          'Node.js v20.20.2',
          '',
        ].join('\n'),
      );
      expect(await lastLogError(file)).toBe('Error: Connection terminated due to connection timeout');
      expect(await lastLogError(join(dir.path, 'missing.log'))).toBeUndefined();
    } finally {
      await dir.remove();
    }
  });
});
