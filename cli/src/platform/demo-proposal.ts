import { join } from 'node:path';
import type { Logger } from '@ysh/common';
import { runYsh } from './run-ysh.ts';

/** The demo proposal of `npm start` (example irradiance and tariff, labelled so in the file). */
export const DEMO_QUOTE = join(import.meta.dirname, '..', '..', '..', 'examples', 'quote-b3-demo.json');
export const DEMO_PROPOSAL = { id: 'demo-b3-site-mg-003', site: 'site-mg-003' };

/**
 * Creates the demo proposal and links it to a simulated site as accepted, so `ysh proposta list`
 * shows it and the `proposal_vs_actual` asset compares it with what the site measures.
 */
export async function seedDemoProposal(dataDir: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const pdf = join(dataDir, 'platform', `proposta-${DEMO_PROPOSAL.id}.pdf`);
  try {
    await runYsh(['proposta', 'new', '--file', DEMO_QUOTE, '--out', pdf], env);
    await runYsh(['proposta', 'accept', DEMO_PROPOSAL.id, '--site', DEMO_PROPOSAL.site], env);
    logger.info(
      { proposal: DEMO_PROPOSAL.id, site: DEMO_PROPOSAL.site, pdf },
      'demo proposal linked to a simulated site',
    );
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'demo proposal not created');
  }
}
