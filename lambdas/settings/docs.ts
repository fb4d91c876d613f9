/**
 * The README's settings tables, generated from the schema. `npx tsx bin/settings-table.ts` rewrites them
 * between their markers; a test fails when the README differs from what this produces.
 */
import { type Setting, settingEntries } from './schema';

export const TABLE_MARKERS = {
  deploy: ['<!-- settings:deploy:begin -->', '<!-- settings:deploy:end -->'],
  local: ['<!-- settings:local:begin -->', '<!-- settings:local:end -->'],
} as const;

function defaultText(setting: Setting<unknown, unknown>, local: boolean): string {
  const value = local && setting.localDefault !== undefined ? setting.localDefault : setting.default;
  if (setting.defaultText && !(local && setting.localDefault !== undefined)) return setting.defaultText;
  return value === undefined ? 'none' : `\`${setting.kind.format(value)}\``;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The deploy-time table: every context key, its environment variable, rule, default and readers. */
export function deployTable(): string {
  const rows = settingEntries()
    .filter(([, s]) => s.scope === 'context')
    .map(([key, s]) => {
      const where = s.env ? `\`${s.env}\` in ${s.usedBy.join(', ')}` : 'the stack';
      return `| \`${key}\` | ${cell(s.help)}. Must be ${cell(s.kind.rule)} | ${cell(defaultText(s, false))} | ${where} |`;
    });
  return ['| key | meaning and rule | default | read by |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The local runtime's table: every environment variable `npm start` reads. */
export function localTable(): string {
  const rows = settingEntries()
    .filter(([, s]) => s.env !== undefined)
    .map(([key, s]) => {
      const note = s.scope === 'context' ? ` (context \`${key}\`)` : '';
      return `| \`${s.env}\` | ${cell(s.help)}${note} | ${cell(defaultText(s, true))} |`;
    });
  return ['| variable | meaning | default |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Replaces each table between its markers; throws if a marker is missing. */
export function withTables(readme: string): string {
  let out = readme;
  for (const [name, [begin, end]] of Object.entries(TABLE_MARKERS)) {
    const a = out.indexOf(begin);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README lacks the ${name} settings markers ${begin} ... ${end}`);
    const table = name === 'deploy' ? deployTable() : localTable();
    out = `${out.slice(0, a + begin.length)}\n${table}\n${out.slice(b)}`;
  }
  return out;
}
