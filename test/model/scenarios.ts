/**
 * Scenarios for the property tests: endpoints with scripted outages, a publish schedule, injected faults.
 * `runScenario` builds a World (wiring.ts), plays the scenario on simulated time and returns the world
 * for the invariants.
 */
import fc from 'fast-check';
import type { Ordering } from '../../lambdas/domain/model';
import type { DownKind } from './sim-receiver';
import { MODEL_START, World } from './wiring';

export const HOUR = 3_600_000;

export interface EndpointScenario {
  readonly ordering: Ordering;
  /** Hours the endpoint is down from the start (0: healthy). */
  readonly downHours: number;
  readonly kind: DownKind;
  readonly events: number;
  /** Minutes between two publishes to this endpoint. */
  readonly gapMinutes: number;
  /**
   * Hours after the start at which the endpoint is deleted or disabled, with its backlog queued; a disabled
   * one may be enabled again `enableAfterHours` later (what was published meanwhile is held, then sent).
   */
  readonly fate?: {
    readonly what: 'deleted' | 'disabled';
    readonly atHours: number;
    readonly enableAfterHours?: number;
  };
  /** A message nothing can parse, queued in the endpoint's group before its events. */
  readonly poisonFirst?: boolean;
}

export interface Scenario {
  readonly endpoints: readonly EndpointScenario[];
  /** Probability that each record write (recordAttempt, failDelivery) is throttled. */
  readonly throttleRate: number;
  /** fast-check's seed for this run's injected randomness. */
  readonly seed: number;
  /** At-least-once duplicates on the standard retry queue (chance a delete misses a copy). */
  readonly retryDuplicateRate?: number;
  /** Minutes before the event sources start polling: what is published before is already a backlog. */
  readonly startAfterMinutes?: number;
}

/** A deterministic generator (Park-Miller) from fast-check's seed, so a failing run replays exactly. */
function seeded(seed: number): () => number {
  let state = (Math.abs(seed) % 2147483646) + 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

export async function runScenario(scenario: Scenario): Promise<World> {
  const world = new World({
    random: seeded(scenario.seed),
    ...(scenario.throttleRate > 0
      ? { throttle: { rate: scenario.throttleRate, methods: ['recordAttempt', 'failDelivery'] as const } }
      : {}),
    ...(scenario.retryDuplicateRate ? { retryDuplicateRate: scenario.retryDuplicateRate } : {}),
  });
  const ids = scenario.endpoints.map((_, i) => `ep_${i}`);
  for (const [i, ep] of scenario.endpoints.entries()) {
    await world.addEndpoint(ids[i]!, ep.ordering, {
      down:
        ep.downHours > 0 ? [{ from: MODEL_START, to: MODEL_START + ep.downHours * HOUR, kind: ep.kind }] : [],
      latencyMs: 40 + i * 7,
    });
  }
  for (const [i, ep] of scenario.endpoints.entries()) if (ep.poisonFirst) await world.injectPoison(ids[i]!);
  const startAt = MODEL_START + (scenario.startAfterMinutes ?? 0) * 60_000;
  let started = false;
  const startWhenDue = (at: number) => {
    if (started || at < startAt) return;
    world.start();
    started = true;
  };
  startWhenDue(MODEL_START);

  // Publishes and endpoint changes, in time order, 1 ms apart at least (ids sort by creation time).
  type Step = { at: number; run: () => Promise<void> };
  const steps: Step[] = [];
  for (const [i, ep] of scenario.endpoints.entries()) {
    for (let n = 0; n < ep.events; n++)
      steps.push({ at: MODEL_START + n * ep.gapMinutes * 60_000 + i + 1, run: () => world.publish(ids[i]!) });
    if (ep.fate) {
      const { what, atHours, enableAfterHours } = ep.fate;
      steps.push({
        at: MODEL_START + atHours * HOUR,
        run: () => (what === 'deleted' ? world.deleteEndpoint(ids[i]!) : world.disableEndpoint(ids[i]!)),
      });
      if (what === 'disabled' && enableAfterHours !== undefined)
        steps.push({
          at: MODEL_START + (atHours + enableAfterHours) * HOUR,
          run: () => world.enableEndpoint(ids[i]!),
        });
    }
  }
  steps.sort((a, b) => a.at - b.at);
  let last = -1;
  for (const step of steps) {
    const at = Math.max(step.at, last + 1);
    startWhenDue(at);
    await world.clock.runUntil(at);
    await step.run();
    last = at;
  }
  startWhenDue(Number.POSITIVE_INFINITY);
  const longest = Math.max(0, ...scenario.endpoints.map((e) => e.downHours));
  // Long enough for the last retry schedule and the sweeper's backed-off re-queues after the outage.
  await world.runUntilQuiet(MODEL_START + (longest + 120) * HOUR);
  world.stop();
  await world.captureEndpointStatuses();
  return world;
}

const kinds: fc.Arbitrary<DownKind> = fc.constantFrom('http_503', 'http_500', 'timeout', 'refused');

export function endpointArb(options: {
  ordering: fc.Arbitrary<Ordering>;
  downHours: fc.Arbitrary<number>;
  events: fc.Arbitrary<number>;
  fate?: fc.Arbitrary<EndpointScenario['fate']>;
  poisonFirst?: fc.Arbitrary<boolean>;
}): fc.Arbitrary<EndpointScenario> {
  return fc
    .record({
      ordering: options.ordering,
      downHours: options.downHours,
      kind: kinds,
      events: options.events,
      gapMinutes: fc.constantFrom(0.02, 1, 5),
      fate: options.fate ?? fc.constant(undefined),
      poisonFirst: options.poisonFirst ?? fc.constant(false),
    })
    .map(({ fate, poisonFirst, ...rest }) => ({
      ...rest,
      ...(fate ? { fate } : {}),
      ...(poisonFirst ? { poisonFirst } : {}),
    }));
}

/** Endpoints that never fail, to mix in with the broken ones. */
export const healthy = endpointArb({
  ordering: fc.constantFrom<Ordering>('sequential', 'strict'),
  downHours: fc.constant(0),
  events: fc.integer({ min: 2, max: 8 }),
});

export function scenarioArb(
  broken: fc.Arbitrary<EndpointScenario[]>,
  throttleRate: fc.Arbitrary<number> = fc.constant(0),
  retryDuplicateRate: fc.Arbitrary<number> = fc.constant(0),
): fc.Arbitrary<Scenario> {
  return fc.record({
    endpoints: fc
      .tuple(broken, fc.array(healthy, { minLength: 1, maxLength: 2 }))
      .map(([b, h]) => [...b, ...h]),
    throttleRate,
    retryDuplicateRate,
    seed: fc.integer(),
  });
}

/** What a scenario was, in one line, for failure messages. */
export function describeScenario(s: Scenario): string {
  const eps = s.endpoints.map(
    (e, i) =>
      `ep_${i} ${e.ordering} ${e.downHours ? `down ${e.downHours} h (${e.kind})` : 'healthy'} ${e.events} events` +
      `${e.poisonFirst ? ' poison first' : ''}${e.fate ? ` ${e.fate.what} at ${e.fate.atHours} h` : ''}` +
      `${e.fate?.enableAfterHours !== undefined ? `, enabled ${e.fate.enableAfterHours} h later` : ''}`,
  );
  const dup = s.retryDuplicateRate ? `; retry-queue duplicates ${s.retryDuplicateRate}` : '';
  return `${eps.join('; ')}${s.throttleRate ? `; throttle ${s.throttleRate}` : ''}${dup}; seed ${s.seed}`;
}
