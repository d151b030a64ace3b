import type { Logger } from '@ysh/common';

/**
 * The directory of the web console to serve at `/`: YSH_API_CONSOLE_DIR when set, else the
 * console package's build, built first when it is missing or older than its sources (a content
 * hash; an up-to-date build costs milliseconds). A failed build does not stop the API: it runs
 * without the console and the log says why.
 */
export async function consoleDir(configured: string | undefined, logger: Logger): Promise<string | undefined> {
  if (configured !== undefined) return configured;
  try {
    const { ensureConsoleBuild } = await import('@ysh/console/build');
    const build = await ensureConsoleBuild({ log: (message) => logger.info(message) });
    return build.dir;
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'web console not served: its build failed');
    return undefined;
  }
}
