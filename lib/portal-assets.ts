/**
 * Builds the portal page's script and stylesheet from `portal/ui/` with esbuild: at synth (bundled into
 * the api function) and by the local runtime (once, on the first request for the page).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'portal', 'ui');

export interface BuiltPortalAssets {
  readonly script: string;
  readonly styles: string;
}

export function buildPortalAssets(): BuiltPortalAssets {
  const out = buildSync({
    entryPoints: [join(UI_DIR, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return { script: out.outputFiles[0]!.text, styles: readFileSync(join(UI_DIR, 'app.css'), 'utf8') };
}
