/** Rewrites the settings tables of README.md from lambdas/settings/schema.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withTables } from '../lambdas/settings/docs';

const file = new URL('../README.md', import.meta.url);
writeFileSync(file, withTables(readFileSync(file, 'utf8')));
process.stdout.write('README.md settings tables regenerated\n');
