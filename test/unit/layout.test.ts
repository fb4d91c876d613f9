import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house rules the code layout keeps (docs/architecture.md): no source file over 400 lines; `lambdas/`
 * (what is deployed) imports nothing from `lib/` (the stack), `local/` (the local runtime) or `bench/`;
 * `lib/` imports nothing from `local/` or `bench/`; the domain imports no adapter, no handler, and no SDK.
 */
const ROOT = resolve(__dirname, '../..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...files(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** Every relative or package import of a file, resolved to a repository path when relative. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );
  return specs.map((s) => (s.startsWith('.') ? relative(ROOT, resolve(ROOT, file, '..', s)) : s));
}

const SOURCE_DIRS = ['lambdas', 'lib', 'local', 'clients', 'bin', 'portal'];

describe('code layout', () => {
  it('keeps every source file under 400 lines', () => {
    const long = SOURCE_DIRS.flatMap(files)
      .map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  it.each([
    ['lambdas', ['lib/', 'local/', 'bench/', 'test/']],
    ['lib', ['local/', 'bench/', 'test/']],
    ['clients', ['lambdas/', 'lib/', 'local/', 'bench/', 'test/']],
  ])('%s imports nothing from %j', (dir, forbidden) => {
    const bad = files(dir).flatMap((f) =>
      importsOf(f)
        .filter((i) => forbidden.some((prefix) => i.startsWith(prefix)))
        .map((i) => `${f} -> ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('keeps the domain free of adapters, handlers and the AWS SDK', () => {
    const bad = files('lambdas/domain').flatMap((f) =>
      importsOf(f)
        .filter(
          (i) =>
            i.startsWith('@aws-sdk/') ||
            i.startsWith('@aws-lambda-powertools/') ||
            i.startsWith('@middy/') ||
            (i.startsWith('lambdas/') && !i.startsWith('lambdas/domain/')),
        )
        .map((i) => `${f} -> ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('sees imports (the check itself works)', () => {
    expect(importsOf('lambdas/service.ts')).toContain('lambdas/domain/ports');
    expect(importsOf('lambdas/adapters/eventbridge-bus.ts')).toContain('@aws-sdk/client-eventbridge');
  });
});
