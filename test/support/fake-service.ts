/** A fake HTTP sender, recording log and telemetry, test settings, and a `Service` made of fakes. */
import { EnvelopeSecrets } from '../../lambdas/adapters/envelope-secrets';
import { localDataKeys } from '../../lambdas/adapters/local-data-keys';
import { DEFAULT_CATALOG, EventCatalog } from '../../lambdas/domain/catalog';
import { cachedEndpoints, cachedTenantEndpoints } from '../../lambdas/domain/endpoint-cache';
import type { OperationalBus, OperationalEvent } from '../../lambdas/domain/operational';
import { pipelineOperational } from '../../lambdas/domain/operational-pipeline';
import type { Clock, HttpOutcome, HttpSender } from '../../lambdas/domain/ports';
import type { ServiceSettings } from '../../lambdas/domain/settings';
import type { Log } from '../../lambdas/observability';
import type { Service } from '../../lambdas/service';
import { FakeClock } from './fake-base';
import { FakeQueues } from './fake-queues';
import { FakeStore } from './fake-store';

/** One `post` as the fake received it. */
export interface HttpCall {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly timeoutMs: number;
}

/** Decides the outcome of a call; `index` is 0 for the first call the fake received. */
export type HttpScript = (call: HttpCall, index: number) => HttpOutcome | Promise<HttpOutcome>;

/** A response outcome with `status` (and optionally a body and a `Retry-After` value). */
export function httpStatus(
  status: number,
  options: { body?: string; retryAfter?: string } = {},
): HttpOutcome {
  return {
    kind: 'response',
    response: {
      status,
      body: options.body ?? '',
      ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
    },
  };
}

/** A transport failure outcome (no response). */
export function httpError(
  errorClass: Extract<HttpOutcome, { kind: 'error' }>['errorClass'],
  message = `${errorClass} error`,
): HttpOutcome {
  return { kind: 'error', errorClass, message };
}

/**
 * HttpSender that records calls and answers from a script: a function of the call, or a list of outcomes
 * used one per call (running out throws, so an unexpected extra call fails the test). Answers 200 to
 * everything when given nothing.
 */
export class FakeHttp implements HttpSender {
  readonly calls: HttpCall[] = [];
  private script: HttpScript;

  constructor(script: HttpScript | readonly HttpOutcome[] = () => httpStatus(200)) {
    this.script = FakeHttp.toScript(script);
  }

  /** Replaces the script; recorded calls are kept. */
  respond(script: HttpScript | readonly HttpOutcome[]): void {
    this.script = FakeHttp.toScript(script);
  }

  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<HttpOutcome> {
    const call: HttpCall = { url, headers: { ...headers }, body, timeoutMs };
    this.calls.push(call);
    return this.script(call, this.calls.length - 1);
  }

  private static toScript(script: HttpScript | readonly HttpOutcome[]): HttpScript {
    if (typeof script === 'function') return script;
    const queue = [...script];
    return (call, index) => {
      const next = queue.shift();
      if (!next) throw new Error(`FakeHttp: no scripted outcome left for call ${index + 1} (${call.url})`);
      return next;
    };
  }
}

/** The tests' fixed secrets key (the local runtime's key file holds one like it). */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 0x5e);

/**
 * The real envelope sealer and opener over the tests' fixed local key: fakes store sealed secrets exactly
 * as the service does, since sealing happens in the domain above the store.
 */
export function testSecrets(clock?: Clock): EnvelopeSecrets {
  return new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY), clock ? { now: () => clock.now() } : {});
}

/**
 * ServiceSettings for tests: brand YumKiosk, the default catalog, a short retry schedule of 1 s, 2 s, 3 s
 * without jitter (four attempts in all), a 10 s timeout and a 15 min sweep grace (the config default).
 */
export function testSettings(overrides: Partial<ServiceSettings> = {}): ServiceSettings {
  return {
    brand: 'YumKiosk',
    deliveryTimeoutMs: 10_000,
    retry: { delaysMs: [1000, 2000, 3000], jitter: 0 },
    sweepGraceMs: 15 * 60_000,
    retentionDays: 30,
    catalog: new EventCatalog(DEFAULT_CATALOG),
    maxEndpointsPerTenant: 50,
    endpointCacheTtlMs: 0, // no endpoint cache unless a test asks for one
    fanoutCacheTtlMs: 0, // nor a fan-out cache
    allowInsecureTargets: false,
    ...overrides,
  };
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra?: Record<string, unknown>;
}

/** A Log that keeps its records in `entries` and prints nothing. */
export class RecordingLog implements Log {
  readonly entries: LogEntry[] = [];
  debug = (message: string, extra?: Record<string, unknown>) => this.write('debug', message, extra);
  info = (message: string, extra?: Record<string, unknown>) => this.write('info', message, extra);
  warn = (message: string, extra?: Record<string, unknown>) => this.write('warn', message, extra);
  error = (message: string, extra?: Record<string, unknown>) => this.write('error', message, extra);

  private write(level: LogEntry['level'], message: string, extra?: Record<string, unknown>): void {
    this.entries.push({ level, message, ...(extra ? { extra } : {}) });
  }
}

/** One metric recorded by RecordingTelemetry. */
export interface MetricEntry {
  readonly name: string;
  readonly unit: 'count' | 'milliseconds';
  readonly value: number;
}

/** Telemetry (`lambdas/observability.ts`) that keeps its metrics in `metrics` and counts flushes. */
export class RecordingTelemetry {
  readonly metrics: MetricEntry[] = [];
  flushes = 0;
  count = (name: string, value = 1) => {
    this.metrics.push({ name, unit: 'count', value });
  };
  milliseconds = (name: string, value: number) => {
    this.metrics.push({ name, unit: 'milliseconds', value });
  };
  flush = () => {
    this.flushes++;
  };
}

/** The event bus as tests see it: every operational event put on it, in order. */
export class RecordingBus implements OperationalBus {
  readonly events: OperationalEvent[] = [];
  failWith: Error | undefined;
  async put(event: OperationalEvent): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.events.push(structuredClone(event));
  }
}

/** A `Service` (`lambdas/service.ts`) made of fakes, typed so tests can reach the fakes' helpers. */
export interface FakeService extends Service {
  readonly store: FakeStore;
  readonly queues: FakeQueues;
  readonly http: FakeHttp;
  readonly clock: FakeClock;
  readonly log: RecordingLog;
  readonly telemetry: RecordingTelemetry;
  readonly bus: RecordingBus;
}

/**
 * Everything a handler needs, built from fresh fakes sharing one FakeClock. The delivery path reads
 * endpoints as `buildService` wires it (eventually consistent, through `cachedEndpoints`), but with no
 * cache unless `settings.endpointCacheTtlMs` asks for one (and fan-out likewise, `fanoutCacheTtlMs`): a FakeClock that never moves would otherwise
 * keep an entry for the whole test.
 */
export function fakeService(
  options: {
    settings?: Partial<ServiceSettings>;
    http?: HttpScript | readonly HttpOutcome[];
    clock?: FakeClock;
  } = {},
): FakeService {
  const clock = options.clock ?? new FakeClock();
  const settings = testSettings(options.settings);
  const store = new FakeStore(clock, { retentionDays: settings.retentionDays });
  const queues = new FakeQueues(clock);
  const bus = new RecordingBus();
  const log = new RecordingLog();
  const telemetry = new RecordingTelemetry();
  return {
    store,
    bus,
    operational: pipelineOperational(
      { store, queues, clock, settings },
      {
        bus,
        onFailure: (event, where, error) => {
          telemetry.count('OperationalEventsUnsent');
          log.error('operational event not sent', { eventId: event.id, where, error: String(error) });
        },
      },
    ),
    endpoints: cachedEndpoints(
      (tenantId, endpointId) => store.getEndpoint(tenantId, endpointId, { consistent: false }),
      clock,
      settings.endpointCacheTtlMs ?? 0,
    ),
    tenantEndpoints: cachedTenantEndpoints(
      (tenantId) => store.listTenantEndpoints(tenantId),
      clock,
      settings.fanoutCacheTtlMs ?? 0,
    ),
    secrets: testSecrets(clock),
    queues,
    http: options.http ? new FakeHttp(options.http) : new FakeHttp(),
    clock,
    settings,
    log,
    telemetry,
    queueDepths: async () => ({}),
    resolveHost: async () => ['93.184.216.34'],
    checkResolved: () => undefined,
  };
}
