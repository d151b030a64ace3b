import { skippedGroups } from '@ysh/test-helpers';

export default function setup(): void {
  const lines = skippedGroups();
  for (const line of lines) process.stdout.write(`${line}\n`);
  if (lines.length === 0) process.stdout.write('All integration groups enabled (services and tools found).\n');
}
