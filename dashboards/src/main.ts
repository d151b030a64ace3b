import { writeAll } from './generate.ts';

// `npm run dashboards`: regenerates the committed dashboards and provisioning files.
const changed = await writeAll();
process.stdout.write(changed.length === 0 ? 'dashboards: up to date\n' : `dashboards: wrote ${changed.join(', ')}\n`);
