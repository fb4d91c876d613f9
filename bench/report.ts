/**
 * Turns a bench run into Markdown tables (printed, and written into docs/performance.md with --doc), the
 * target checks, and the JSON lines of --json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { OpStats } from './counting';
import type { BundleFigures } from './footprint';
import { type CostCase, PRICES, RECEIVER_MS } from './pricing';
import { type RunFigures, type Scenario, sizeLabel } from './scenarios';
import { round } from './stats';

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly ours: RunFigures;
  readonly baseline: RunFigures;
  readonly oursRounds: readonly RunFigures[];
  readonly baselineRounds: readonly RunFigures[];
  readonly oursOps: readonly OpStats[];
  readonly baselineOps: readonly OpStats[];
  readonly ceiling: { readonly concurrency: number; readonly perSec: number };
}

export interface BenchRun {
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  /** Commit measured (and whether the code under test had uncommitted changes). */
  readonly revision: string;
  readonly node: string;
  readonly cores: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly rounds: number;
  readonly elapsedS: number;
  readonly scenarios: readonly ScenarioResult[];
  readonly cost?: { readonly ours: readonly CostCase[]; readonly baseline: readonly CostCase[] };
  readonly footprint?: readonly BundleFigures[];
}

export interface TargetCheck {
  readonly what: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
  /** How far off, when missed. */
  readonly by?: string;
}

export const TARGETS = {
  ratio: 0.8,
  p99Ms: 100,
  /** Billable units per delivery: at most the baseline's plus this, at fan-out 1 and 3. */
  unitsOverBaseline: 1,
  /** Dollars per million deliveries at fan-out 1, HTTP API: one event a request, and batches of 10. */
  dollarsPerMillion: 6,
  dollarsPerMillionBatched: 4.5,
  bundleBytes: 250 * 1024,
  importMs: 150,
} as const;

export function ratioOf(r: ScenarioResult): number {
  return r.baseline.deliveredPerSec > 0 ? round(r.ours.deliveredPerSec / r.baseline.deliveredPerSec, 2) : 0;
}

export function scenarioTargets(r: ScenarioResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const id = r.scenario.id;
  if (id === 1 || id === 2) {
    const ratio = ratioOf(r);
    checks.push({
      what: `scenario ${id} ratio`,
      target: `>= ${TARGETS.ratio}`,
      value: String(ratio),
      met: ratio >= TARGETS.ratio,
      ...(ratio < TARGETS.ratio ? { by: `${round(TARGETS.ratio - ratio, 2)} short` } : {}),
    });
  }
  if (id === 0) {
    const p99 = round(r.ours.latency.p99, 1);
    checks.push({
      what: 'scenario 0 p99 publish-to-received',
      target: `< ${TARGETS.p99Ms} ms`,
      value: `${p99} ms`,
      met: p99 < TARGETS.p99Ms,
      ...(p99 >= TARGETS.p99Ms ? { by: `${round(p99 - TARGETS.p99Ms, 1)} ms over` } : {}),
    });
  }
  checks.push({
    what: `scenario ${id} lost`,
    target: '0',
    value: String(r.ours.lost),
    met: r.ours.lost === 0,
    ...(r.ours.lost ? { by: `${r.ours.lost} lost` } : {}),
  });
  return checks;
}

export function otherTargets(run: BenchRun): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const fanOut of [1, 3]) {
    const ours = run.cost?.ours.find((c) => c.endpointsPerEvent === fanOut && c.eventsPerRequest === 1);
    const base = run.cost?.baseline.find((c) => c.endpointsPerEvent === fanOut);
    if (!ours || !base) continue;
    const units = ours.perDelivery.billableUnits;
    const limit = round(base.perDelivery.billableUnits + TARGETS.unitsOverBaseline, 2);
    checks.push({
      what: `billable units per delivery (${fanOut} endpoint${fanOut > 1 ? 's' : ''} per event, 1 KB)`,
      target: `<= baseline + ${TARGETS.unitsOverBaseline} (${limit})`,
      value: String(units),
      met: units <= limit,
      ...(units > limit ? { by: `${round(units - limit, 2)} over` } : {}),
    });
  }
  const dollarTargets = [
    { batch: 1, limit: TARGETS.dollarsPerMillion, label: 'one event a request' },
    { batch: 10, limit: TARGETS.dollarsPerMillionBatched, label: 'batches of 10' },
  ];
  for (const { batch, limit, label } of dollarTargets) {
    const c = run.cost?.ours.find((x) => x.endpointsPerEvent === 1 && x.eventsPerRequest === batch);
    if (!c) continue;
    const dollars = c.dollarsPerMillionDeliveries;
    checks.push({
      what: `dollars per million deliveries, all in (1 endpoint, HTTP API, ${label})`,
      target: `<= $${limit}`,
      value: `$${dollars}`,
      met: dollars <= limit,
      ...(dollars > limit ? { by: `${round(dollars / limit, 2)}x` } : {}),
    });
  }
  for (const b of run.footprint ?? []) {
    if (b.variant !== 'as-deployed') continue;
    checks.push({
      what: `${b.handler} bundle`,
      target: '< 250 KB',
      value: `${kb(b.bytes)} KB`,
      met: b.bytes < TARGETS.bundleBytes,
      ...(b.bytes >= TARGETS.bundleBytes ? { by: `${round(b.bytes / TARGETS.bundleBytes, 1)}x` } : {}),
    });
    checks.push({
      what: `${b.handler} cold import`,
      target: `< ${TARGETS.importMs} ms`,
      value: `${b.importMs} ms`,
      met: b.importMs < TARGETS.importMs,
      ...(b.importMs >= TARGETS.importMs ? { by: `${round(b.importMs - TARGETS.importMs, 0)} ms over` } : {}),
    });
  }
  return checks;
}

const kb = (bytes: number) => round(bytes / 1024, 1);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? String(round(n, digits)) : '-');

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Requests per delivered event by operation (empty receives apart: Lambda's poller makes them idle too). */
function perDelivery(ops: readonly OpStats[], delivered: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of ops) {
    if (o.op === 'DeleteTable') continue;
    const name = o.op === 'ReceiveMessage' ? 'ReceiveMessage (with messages)' : o.op;
    const calls = o.op === 'ReceiveMessage' ? o.calls - o.emptyReceives : o.calls;
    m.set(name, (m.get(name) ?? 0) + calls / Math.max(1, delivered));
    if (o.op === 'ReceiveMessage')
      m.set(
        'ReceiveMessage (empty)',
        (m.get('ReceiveMessage (empty)') ?? 0) + o.emptyReceives / Math.max(1, delivered),
      );
  }
  return m;
}

export function requestsPerDelivery(ops: readonly OpStats[], delivered: number): Record<string, number> {
  return Object.fromEntries([...perDelivery(ops, delivered)].map(([k, v]) => [k, round(v, 2)]));
}

export function renderMarkdown(run: BenchRun): string {
  const out: string[] = [];
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  out.push(
    `Measured ${run.startedAt} at ${run.revision} (${run.mode} run, ${run.elapsedS} s): Node ${run.node}, ${run.cores} cores, ` +
      `load average (1/5/15 min) ${load(run.loadBefore)} at start, ${load(run.loadAfter)} at the end. ` +
      (run.rounds > 1
        ? `Each figure is the best of ${run.rounds} interleaved rounds (highest deliveries per second; lowest p99 for scenario 0).`
        : 'One round of each system per scenario.'),
  );
  out.push('');
  out.push(
    '**Throughput and latency** (ours: the local runtime; baseline: bench/baseline.ts; latency is publish to received, ms)',
  );
  out.push('');
  out.push(
    table(
      [
        'scenario',
        'size',
        'publish/s',
        'delivered/s',
        'baseline/s',
        'ratio',
        'p50',
        'p95',
        'p99',
        'baseline p50 / p99',
        'lost',
        'dup',
        'CPU ms per delivery, node + java (baseline)',
        'ceiling/s (c)',
      ],
      run.scenarios.map((r) => [
        `${r.scenario.id} ${r.scenario.name}`,
        sizeLabel(r.scenario),
        fmt(r.ours.publishPerSec),
        fmt(r.ours.deliveredPerSec),
        fmt(r.baseline.deliveredPerSec),
        fmt(ratioOf(r), 2),
        fmt(r.ours.latency.p50),
        fmt(r.ours.latency.p95),
        fmt(r.ours.latency.p99),
        `${fmt(r.baseline.latency.p50)} / ${fmt(r.baseline.latency.p99)}`,
        r.ours.lost,
        r.ours.duplicates,
        `${fmt(r.ours.nodeCpuMs)} + ${fmt(r.ours.javaCpuMs)} (${fmt(r.baseline.nodeCpuMs)} + ${fmt(r.baseline.javaCpuMs)})`,
        `${fmt(r.ceiling.perSec, 0)} (${r.ceiling.concurrency})`,
      ]),
    ),
  );
  out.push('');
  out.push('**AWS requests per delivered event** (ours / baseline), counted by an SDK middleware');
  out.push('');
  const names = new Set<string>();
  const maps = run.scenarios.map((r) => {
    const ours = perDelivery(r.oursOps, r.ours.delivered);
    const base = perDelivery(r.baselineOps, r.baseline.delivered);
    for (const k of [...ours.keys(), ...base.keys()]) names.add(k);
    return { ours, base };
  });
  out.push(
    table(
      ['request', ...run.scenarios.map((r) => `${r.scenario.id} ${r.scenario.name}`)],
      [...names]
        .sort()
        .map((name) => [
          name,
          ...maps.map((m) => `${fmt(m.ours.get(name) ?? 0, 2)} / ${fmt(m.base.get(name) ?? 0, 2)}`),
        ]),
    ),
  );
  if (run.cost?.ours.length) {
    out.push('');
    out.push(
      `**Cost per million** (receiver answering in ${RECEIVER_MS} ms; 1 KB payload; us-east-1 list prices of ${PRICES.date}; ` +
        'units and Lambda time measured, see the method)',
    );
    out.push('');
    const cases: { label: string; c: CostCase }[] = [];
    for (const c of run.cost.ours) {
      const n = `${c.endpointsPerEvent} endpoint${c.endpointsPerEvent > 1 ? 's' : ''} per event`;
      const batched = c.eventsPerRequest > 1 ? `, batches of ${c.eventsPerRequest}` : '';
      cases.push({ label: `ours, ${n}${batched}`, c });
      const b = run.cost.baseline.find((x) => x.endpointsPerEvent === c.endpointsPerEvent);
      if (b && !batched) cases.push({ label: `baseline, ${n}`, c: b });
    }
    const row = (label: string, f: (c: CostCase) => string | number) => [label, ...cases.map((x) => f(x.c))];
    out.push(
      table(
        ['', ...cases.map((x) => x.label)],
        [
          row('events x endpoints measured', (c) => `${c.events} x ${c.endpointsPerEvent} (${c.lost} lost)`),
          row('SQS requests per delivery', (c) => c.perDelivery.sqsRequests),
          row('DynamoDB read units per delivery', (c) => c.perDelivery.readUnits),
          row('DynamoDB write units per delivery', (c) => c.perDelivery.writeUnits),
          row('**billable units per delivery**', (c) => `**${c.perDelivery.billableUnits}**`),
          row(
            'ingest Lambda ms per event (billed; p50)',
            (c) => `${c.perEvent.ingestBilledMs} (${c.perEvent.ingestMsP50})`,
          ),
          row('delivery invocations per delivery', (c) => c.perDelivery.deliveryInvocations),
          row('delivery Lambda ms per delivery (billed)', (c) => c.perDelivery.deliveryBilledMs),
          row('item bytes: event / delivery / endpoint', (c) =>
            ['event', 'delivery', 'endpoint'].map((k) => c.itemBytes[k] ?? '-').join(' / '),
          ),
          row(
            '$ API Gateway',
            (c) => `${c.dollarsPerMillionEvents.apiGateway} (${c.api === 'http' ? 'HTTP API' : 'REST'})`,
          ),
          row('$ Lambda ingest (256 MB)', (c) => c.dollarsPerMillionEvents.lambdaIngest),
          row('$ Lambda delivery (512 MB)', (c) => c.dollarsPerMillionEvents.lambdaDelivery),
          row('$ SQS', (c) => c.dollarsPerMillionEvents.sqs),
          row('$ DynamoDB writes', (c) => c.dollarsPerMillionEvents.dynamoWrites),
          row('$ DynamoDB reads', (c) => c.dollarsPerMillionEvents.dynamoReads),
          row('**$ per million events**', (c) => `**${c.dollarsPerMillionEvents.total}**`),
          row('**$ per million deliveries**', (c) => `**${c.dollarsPerMillionDeliveries}**`),
          row('sustained load: SQS requests per delivery', (c) => c.sustained.sqsRequests),
          row('sustained load: billable units per delivery', (c) => c.sustained.billableUnits),
          row('sustained load: $ per million deliveries', (c) => c.sustained.dollarsPerMillionDeliveries),
        ],
      ),
    );
    out.push('');
    out.push(
      'Per delivered event, by request (1 endpoint per event): calls, read units, write units (DynamoDB Local says)',
    );
    out.push('');
    const one = run.cost.ours[0]!;
    out.push(
      table(
        ['request', 'calls', 'read units', 'write units', 'DynamoDB Local: read / write'],
        one.ops
          .filter((o) => o.calls - o.emptyReceives > 0)
          .map((o) => {
            const n = Math.max(1, one.deliveries);
            return [
              `${o.service} ${o.op}${o.queue ? ` (${o.queue})` : ''}`,
              fmt((o.calls - o.emptyReceives) / n, 2),
              fmt(o.readUnits / n, 2),
              fmt(o.writeUnits / n, 2),
              o.service === 'dynamodb'
                ? `${fmt(o.localReadUnits / n, 2)} / ${fmt(o.localWriteUnits / n, 2)}`
                : '',
            ];
          }),
      ),
    );
  }
  if (run.footprint?.length) {
    out.push('');
    out.push(
      '**Lambda footprint** (esbuild as the stack bundles; cold import = median `require()` in a fresh node)',
    );
    out.push('');
    const deployed = run.footprint.filter((b) => b.variant === 'as-deployed');
    const external = new Map(
      run.footprint.filter((b) => b.variant === 'sdk-bundled').map((b) => [b.handler, b]),
    );
    out.push(
      table(
        [
          'function',
          'bundle KB',
          'import ms (--enable-source-maps)',
          'import ms (no maps)',
          'SDK bundled too: KB',
          'SDK bundled too: import ms',
          'largest parts (KB)',
        ],
        deployed.map((b) => {
          const e = external.get(b.handler);
          return [
            b.handler,
            kb(b.bytes),
            b.importMs,
            b.importMsNoMaps ?? '-',
            e ? kb(e.bytes) : '-',
            e ? e.importMs : '-',
            b.byPackage
              .slice(0, 6)
              .map((p) => `${p.name} ${kb(p.bytes)}`)
              .join(', '),
          ];
        }),
      ),
    );
  }
  const checks = [...run.scenarios.flatMap(scenarioTargets), ...otherTargets(run)];
  out.push('');
  out.push('**Targets**');
  out.push('');
  out.push(
    table(
      ['', 'target', 'measured', 'met'],
      checks.map((c) => [c.what, c.target, c.value, c.met ? 'yes' : `**no** (${c.by ?? ''})`]),
    ),
  );
  return out.join('\n');
}

export function jsonLines(run: BenchRun): string[] {
  const lines: string[] = [];
  if (run.footprint?.length)
    lines.push(
      JSON.stringify({
        kind: 'footprint',
        bundles: run.footprint.map((b) => ({ ...b, byPackage: b.byPackage.slice(0, 8) })),
      }),
    );
  if (run.cost?.ours.length)
    lines.push(
      JSON.stringify({
        kind: 'cost',
        prices: PRICES,
        ours: run.cost.ours.map((c) => ({ ...c, ops: undefined })),
        baseline: run.cost.baseline.map((c) => ({ ...c, ops: undefined })),
        targets: otherTargets(run).filter((t) => !t.what.includes('bundle') && !t.what.includes('import')),
      }),
    );
  for (const r of run.scenarios) {
    lines.push(
      JSON.stringify({
        scenario: r.scenario.id,
        name: r.scenario.name,
        mode: run.mode,
        size: sizeLabel(r.scenario),
        events: r.ours.events,
        publishPerSec: r.ours.publishPerSec,
        deliveredPerSec: r.ours.deliveredPerSec,
        baselinePerSec: r.baseline.deliveredPerSec,
        ratio: ratioOf(r),
        p50Ms: round(r.ours.latency.p50, 1),
        p95Ms: round(r.ours.latency.p95, 1),
        p99Ms: round(r.ours.latency.p99, 1),
        lost: r.ours.lost,
        duplicates: r.ours.duplicates,
        publishErrors: r.ours.publishErrors,
        failedAttempts: r.ours.failedAttempts,
        baselineP50Ms: round(r.baseline.latency.p50, 1),
        baselineP99Ms: round(r.baseline.latency.p99, 1),
        baselineLost: r.baseline.lost,
        baselineDuplicates: r.baseline.duplicates,
        ceilingPerSec: r.ceiling.perSec,
        ceilingConcurrency: r.ceiling.concurrency,
        receiverMaxConcurrent: r.ours.maxConcurrent,
        cpuMsPerDelivery: {
          ours: { node: r.ours.nodeCpuMs, java: r.ours.javaCpuMs },
          baseline: { node: r.baseline.nodeCpuMs, java: r.baseline.javaCpuMs },
        },
        requestsPerDelivery: {
          ours: requestsPerDelivery(r.oursOps, r.ours.delivered),
          baseline: requestsPerDelivery(r.baselineOps, r.baseline.delivered),
        },
        rounds: {
          ours: r.oursRounds.map((f) => f.deliveredPerSec),
          baseline: r.baselineRounds.map((f) => f.deliveredPerSec),
        },
        targets: scenarioTargets(r),
      }),
    );
  }
  return lines;
}

/** Replaces the block between `<!-- <name> -->` and `<!-- /<name> -->` in a Markdown file. */
export function writeIntoDoc(path: string, name: string, markdown: string): boolean {
  const text = readFileSync(path, 'utf8');
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a < 0 || b < a) return false;
  writeFileSync(path, `${text.slice(0, a + open.length)}\n${markdown}\n${text.slice(b)}`);
  return true;
}
