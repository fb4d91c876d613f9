/**
 * Every setting of the service, once: its CDK context key (also the stack prop), its environment
 * variable, kind and rule, default, help text, and which functions read it.
 *
 * Everything else derives from this table: the stack props and the context keys `bin/app.ts` reads
 * (`lib/settings.ts`), the environment of each function (only the settings it uses), the local runtime's
 * variables, the validation at synth time and at cold start (`resolve.ts`, used by `lambdas/config.ts`),
 * and both settings tables in the README (`docs.ts`; a test fails when the README drifts).
 *
 * To add a setting: add an entry here, read it from `ServiceSettings` (or the stack's `settings`), run
 * `npx tsx bin/settings-table.ts` to refresh the README. The tests check it reaches every function listed
 * in `usedBy`.
 */
import { DEFAULT_CATALOG } from '../domain/catalog';
import { DEFAULT_DISABLE_AFTER_MS } from '../domain/endpoint-health';
import { DEFAULT_OPERATIONAL_TENANT } from '../domain/operational';
import { SCHEME_NAMES, SIGNING_SCHEMES } from '../domain/signing';
import {
  catalog,
  decimal,
  duration,
  email,
  flag,
  integer,
  integerOneOf,
  oneOf,
  path,
  schedule,
  text,
} from './kinds';
import { PORTAL_SETTINGS } from './portal-settings';
import { type Setting, setting } from './setting';

export { SERVICE_FUNCTIONS, type ServiceFunctionName, type Setting } from './setting';

/** CloudWatch Logs retention periods, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const SETTINGS = {
  retrySchedule: setting({
    kind: schedule(),
    scope: 'context',
    env: 'RETRY_SCHEDULE',
    default: [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 12 * HOUR],
    usedBy: ['api', 'delivery'],
    help:
      "delays between attempts (`1m,15m,60m` is Yonne's, `1s,2s,3s` suits tests); also sizes the delivery " +
      "queue's `maxReceiveCount`",
    example: '1m,10m,1h',
  }),
  retryJitter: setting({
    kind: decimal(0, 0.5),
    scope: 'context',
    env: 'RETRY_JITTER',
    default: 0,
    usedBy: ['delivery'],
    help: 'spread each retry delay by plus or minus this fraction',
    example: 0.2,
  }),
  deliveryTimeout: setting({
    kind: duration(100, 60 * SECOND),
    scope: 'context',
    env: 'DELIVERY_TIMEOUT',
    default: 10 * SECOND,
    usedBy: ['api', 'delivery'],
    help:
      "time for a 2xx answer; sizes the delivery function's timeout and the delivery queue's visibility " +
      'timeout',
    example: '20s',
  }),
  signatureScheme: setting({
    kind: oneOf(SCHEME_NAMES),
    scope: 'context',
    env: 'SIGNATURE_SCHEME',
    default: 'yumkiosk',
    usedBy: ['api', 'delivery'],
    help: `${SCHEME_NAMES.map((n) => `\`${n}\` (${SIGNING_SCHEMES[n].summary})`).join(' or ')}; changing it on a running deployment changes every request`,
    example: 'standard-webhooks',
  }),
  headerBrand: setting({
    kind: text(
      /^[A-Za-z][A-Za-z0-9-]{0,31}$/,
      'letters, digits and dashes, starting with a letter, at most 32',
    ),
    scope: 'context',
    env: 'HEADER_BRAND',
    default: 'YumKiosk',
    usedBy: ['api', 'delivery'],
    help: 'the brand in header names (`<Brand>-Signature`, `<Brand>-Event`, ...)',
    example: 'Acme',
  }),
  retentionDays: setting({
    kind: integer(1, 365),
    scope: 'context',
    env: 'RETENTION_DAYS',
    default: 30,
    usedBy: ['ingest', 'api', 'delivery', 'sweeper'],
    help:
      'days events and deliveries are kept (DynamoDB TTL); at least twice the retry schedule plus 12h, ' +
      'so nothing pending expires',
    example: 14,
  }),
  sweepGrace: setting({
    kind: duration(SECOND, 24 * HOUR),
    scope: 'context',
    env: 'SWEEP_GRACE',
    default: undefined,
    defaultText: "`15m`, or the delivery queue's visibility timeout plus 1m when that is longer",
    usedBy: ['ingest', 'api', 'delivery', 'sweeper'],
    help:
      'how long past due a pending delivery may go unprocessed before the sweeper re-queues it; never ' +
      "shorter than the delivery queue's visibility timeout plus 1m",
    example: '30m',
  }),
  maxEndpointsPerTenant: setting({
    kind: integer(1, 500),
    scope: 'context',
    env: 'MAX_ENDPOINTS_PER_TENANT',
    default: 50,
    usedBy: ['api'],
    help: 'endpoints a tenant may register',
    example: 200,
  }),
  endpointCacheTtl: setting({
    kind: duration(0, 60 * SECOND),
    scope: 'context',
    env: 'ENDPOINT_CACHE_TTL',
    default: 5 * SECOND,
    usedBy: ['api', 'delivery'],
    help:
      'how long a delivery may use a cached endpoint record: the longest a disabled or deleted endpoint or a ' +
      'rotated secret can take to apply (`0s` turns the cache off)',
    example: '2s',
  }),
  fanoutCacheTtl: setting({
    kind: duration(0, 60 * SECOND),
    scope: 'context',
    env: 'FANOUT_CACHE_TTL',
    default: SECOND,
    usedBy: ['ingest', 'api'],
    help:
      "how long a publish may use a cached list of the tenant's endpoints; the API waits this long before " +
      'it answers a create, delete, or change of types, filter or status, so what is published after the ' +
      'answer sees the change (`0s`: no cache, no wait)',
    example: '0s',
  }),
  eventCatalog: setting({
    kind: catalog(),
    scope: 'context',
    env: 'EVENT_CATALOG',
    default: DEFAULT_CATALOG,
    defaultText: "YumKiosk's 11 types",
    usedBy: ['ingest', 'api'],
    help:
      'the event types that may be published: a JSON array of `{ "type", "description" }`, inline or the ' +
      'path of a JSON file; deployed inside the function bundles, so any size works',
    example: [{ type: 'thing.happened', description: 'A thing happened.' }],
  }),
  endpointDisableAfter: setting({
    kind: duration(SECOND, 90 * DAY),
    scope: 'context',
    env: 'ENDPOINT_DISABLE_AFTER',
    default: DEFAULT_DISABLE_AFTER_MS,
    usedBy: ['delivery'],
    help:
      'an endpoint whose every attempt failed for this long (from the first failure of an unbroken streak; ' +
      'any success resets it) is disabled; its events are then held until it is enabled',
    example: '3d',
  }),
  operationalTenant: setting({
    kind: text(/^[A-Za-z0-9_.:-]{1,128}$/, 'a tenant id: letters, digits and _ . : -, at most 128'),
    scope: 'context',
    env: 'OPERATIONAL_TENANT',
    default: DEFAULT_OPERATIONAL_TENANT,
    usedBy: ['ingest', 'api', 'delivery'],
    help:
      'tenant whose endpoints receive the operational events (`endpoint.disabled`, `endpoint.enabled`, ' +
      '`delivery.failed`); publishers cannot publish to it',
    example: 'ops',
  }),
  operationalEventBus: setting({
    kind: text(/^(none|[A-Za-z0-9._/-]{1,256})$/, '`none`, or an EventBridge bus name'),
    scope: 'context',
    env: 'OPERATIONAL_EVENT_BUS',
    default: 'default',
    localDefault: 'none',
    usedBy: ['api', 'delivery'],
    help:
      "EventBridge bus the operational events are also put on (the account's default bus unless set; " +
      "`none`: off, the local runtime's default); the stack routes `endpoint.disabled` to the alarm topic",
    example: 'ops-bus',
  }),
  logLevel: setting({
    kind: oneOf(['debug', 'info', 'warn', 'error'] as const),
    scope: 'context',
    env: 'LOG_LEVEL',
    default: 'info',
    localDefault: 'warn',
    usedBy: ['ingest', 'api', 'delivery', 'retry', 'sweeper'],
    help: 'least severe log level written (`warn` by default locally)',
    example: 'debug',
  }),
  allowInsecureTargets: setting({
    kind: flag(),
    scope: 'refused',
    env: 'ALLOW_INSECURE_TARGETS',
    default: false,
    usedBy: ['api', 'delivery'],
    help:
      '`true` lets endpoints use `http://` and loopback or private addresses. Local development only; ' +
      'refused by the stack',
    example: true,
    refusal:
      'not available on AWS; deployed functions always refuse private and non-HTTPS targets. Use the local ' +
      'runtime (npm start) to deliver to local receivers.',
  }),
  ...PORTAL_SETTINGS,
  apiType: setting({
    kind: oneOf(['http', 'rest'] as const),
    scope: 'context',
    default: 'http',
    usedBy: [],
    help:
      '`http`: API Gateway HTTP API (about $1.00 per million requests). `rest`: REST API ($3.50 per million), ' +
      'for WAF, a private endpoint or a resource policy',
    example: 'rest',
  }),
  apiRateLimit: setting({
    kind: decimal(0, 10_000, { exclusiveMin: true }),
    scope: 'context',
    default: 100,
    usedBy: [],
    help: 'API stage throttling: steady requests per second',
    example: 50,
  }),
  apiBurstLimit: setting({
    kind: integer(1, 5000),
    scope: 'context',
    default: 200,
    usedBy: [],
    help: 'API stage throttling: burst size',
    example: 100,
  }),
  deliveryConcurrency: setting({
    kind: integer(2, 1000),
    scope: 'context',
    default: 20,
    usedBy: [],
    help: 'most concurrent delivery invocations (event source `maxConcurrency`)',
    example: 50,
  }),
  deliveryFailureThreshold: setting({
    kind: integer(1, 10_000),
    scope: 'context',
    default: 1,
    usedBy: [],
    help: 'final delivery failures in 5 minutes that raise the alarm',
    example: 5,
  }),
  alarmEmail: setting({
    kind: email(),
    scope: 'context',
    default: undefined,
    defaultText: 'none',
    usedBy: [],
    help: 'address subscribed to the alarm topic (AWS mails it a confirmation link)',
    example: 'oncall@example.com',
  }),
  examplePublisher: setting({
    kind: flag(),
    scope: 'context',
    default: true,
    usedBy: [],
    help: '`false` leaves the example publisher function out',
    example: false,
  }),
  logRetentionDays: setting({
    kind: integerOneOf(LOG_RETENTION_DAYS),
    scope: 'context',
    default: 30,
    usedBy: [],
    help: 'days every function and access log group keeps its logs (a CloudWatch Logs retention period)',
    example: 90,
  }),
  port: setting({
    kind: integer(0, 65_535),
    scope: 'local',
    env: 'PORT',
    default: 3000,
    usedBy: [],
    help: 'HTTP port of the local runtime',
    example: 3001,
  }),
  dataDir: setting({
    kind: path(),
    scope: 'local',
    env: 'DATA_DIR',
    default: undefined,
    defaultText: 'in memory',
    usedBy: [],
    help:
      "keep DynamoDB Local's data on disk here (survives restarts; pending deliveries are re-queued at start), " +
      'with the local keys that stand in for KMS (`secrets.key` seals endpoint secrets, `portal-token.key` ' +
      'signs portal tokens; 0600 files: losing `secrets.key` loses every stored secret)',
    example: '.data',
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;

type ValueOf<S> = S extends Setting<infer T, unknown> ? T : never;
type InputOf<S> = S extends Setting<unknown, infer I> ? I : never;

type Resolved = {
  readonly [K in SettingKey]: (typeof SETTINGS)[K]['default'] extends undefined
    ? ValueOf<(typeof SETTINGS)[K]> | undefined
    : ValueOf<(typeof SETTINGS)[K]>;
};

/**
 * Every setting after defaults and validation. Those with no default may be undefined, except the
 * sweeper's grace, whose default is derived from the delivery timeout.
 */
export type Settings = Omit<Resolved, 'sweepGrace'> & { readonly sweepGrace: number };

/** Keys a CDK app may set (context and stack props). */
export type ContextKey = {
  [K in SettingKey]: (typeof SETTINGS)[K]['scope'] extends 'context' ? K : never;
}[SettingKey];

/**
 * The stack props the settings give: each optional, typed as the prop accepts it (`"10s"` for a duration,
 * `30` for a number of days, an array or JSON text for the catalog). Rules and help: the README table.
 */
export type SettingProps = { readonly [K in ContextKey]?: InputOf<(typeof SETTINGS)[K]> };

export function settingEntries(): [SettingKey, Setting<unknown, unknown>][] {
  return Object.entries(SETTINGS) as [SettingKey, Setting<unknown, unknown>][];
}
