/**
 * Lambda footprint: each handler bundled with esbuild exactly as the CDK stack bundles it
 * (lib/constructs/service-function.ts: minify, external source map without sources, CommonJS, node22,
 * ES-module entry points preferred, the AWS SDK left to the Node.js 22 runtime), its size, and the time
 * `node` takes to load it cold (median of a few fresh processes). Also the variant with the SDK bundled
 * too (pinned versions, bigger bundles), the alternative the stack does not take.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { median, round } from './stats';

export const HANDLERS = ['ingest', 'api', 'delivery', 'retry', 'sweeper'] as const;
export type HandlerName = (typeof HANDLERS)[number];

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface BundleFigures {
  readonly handler: HandlerName;
  readonly variant: 'as-deployed' | 'sdk-bundled';
  readonly bytes: number;
  readonly mapBytes: number;
  /** Median ms to `require()` the bundle in a fresh node, with NODE_OPTIONS=--enable-source-maps (as deployed). */
  readonly importMs: number;
  /** The same without --enable-source-maps (full runs only). */
  readonly importMsNoMaps?: number;
  /** Bytes of the bundle by package (node_modules package, or `lambdas/<folder>`), largest first. */
  readonly byPackage: readonly { readonly name: string; readonly bytes: number }[];
}

type Breakdown = Map<string, { name: string; bytes: number }[]>;

/** Bundles every handler; returns each output's bytes by package. */
async function bundle(outdir: string, external: string[]): Promise<Breakdown> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(HANDLERS.map((h) => [h, `lambdas/${h}/handler.ts`])),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external,
    mainFields: ['module', 'main'],
    logLevel: 'warning',
    metafile: true,
  });
  const breakdown: Breakdown = new Map();
  for (const output of Object.values(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const handler = /lambdas\/([^/]+)\/handler\.ts$/.exec(output.entryPoint)?.[1] ?? output.entryPoint;
    const by = new Map<string, number>();
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      by.set(pkg, (by.get(pkg) ?? 0) + input.bytesInOutput);
    }
    breakdown.set(
      handler,
      [...by].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
    );
  }
  return breakdown;
}

function importOnce(file: string, options: { sourceMaps: boolean; nodePath?: string }): Promise<number> {
  const script =
    'const t=process.hrtime.bigint();require(process.argv[1]);' +
    'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(options.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    ...(options.nodePath ? { NODE_PATH: options.nodePath } : {}),
  };
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, ['-e', script, file], { env, timeout: 20_000 }, (error, stdout) => {
      if (error) reject(error);
      else resolvePromise(Number(stdout));
    });
  });
}

async function medianImport(
  file: string,
  runs: number,
  options: { sourceMaps: boolean; nodePath?: string },
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await importOnce(file, options));
  return round(median(times), 1);
}

export async function measureFootprint(options: {
  runs: number;
  /** Also time the import without --enable-source-maps. */
  withoutMaps: boolean;
  /** Time the SDK-bundled variant once only (quick runs). */
  quickVariant?: boolean;
  onProgress?: (line: string) => void;
}): Promise<BundleFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-bench-bundles-'));
  try {
    const variants = [
      { variant: 'as-deployed' as const, outdir: join(dir, 'deployed'), external: ['@aws-sdk/*'] },
      { variant: 'sdk-bundled' as const, outdir: join(dir, 'sdk-bundled'), external: [] as string[] },
    ];
    const breakdowns = new Map<string, Breakdown>();
    for (const v of variants) breakdowns.set(v.variant, await bundle(v.outdir, v.external));
    const out: BundleFigures[] = [];
    for (const v of variants) {
      for (const handler of HANDLERS) {
        const file = join(v.outdir, `${handler}.js`);
        // The runtime's SDK is what the deployed bundle loads on Lambda; here, the project's copy.
        const nodePath = v.variant === 'as-deployed' ? join(ROOT, 'node_modules') : undefined;
        // Quick runs time the SDK-bundled variant once: it is the alternative, not the target.
        const runs = v.variant === 'sdk-bundled' && options.quickVariant ? 1 : options.runs;
        const importMs = await medianImport(file, runs, {
          sourceMaps: true,
          ...(nodePath ? { nodePath } : {}),
        });
        const importMsNoMaps = options.withoutMaps
          ? await medianImport(file, runs, { sourceMaps: false, ...(nodePath ? { nodePath } : {}) })
          : undefined;
        out.push({
          handler,
          variant: v.variant,
          bytes: statSync(file).size,
          mapBytes: statSync(`${file}.map`).size,
          importMs,
          ...(importMsNoMaps !== undefined ? { importMsNoMaps } : {}),
          byPackage: breakdowns.get(v.variant)?.get(handler) ?? [],
        });
        options.onProgress?.(`  ${v.variant} ${handler}: ${statSync(file).size} B, import ${importMs} ms`);
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
