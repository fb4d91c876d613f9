import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/config';
import { DEFAULT_CATALOG } from '../../lambdas/domain/catalog';
import { ConfigError } from '../../lambdas/domain/errors';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The variables the stack always sets. */
const base = {
  TABLE_NAME: 'webhooks',
  DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/deliveries.fifo',
  DELIVERY_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/1/deliveries-dlq.fifo',
  RETRY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/retries',
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the documented defaults for everything optional', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      tableName: 'webhooks',
      deliveryQueueUrl: base.DELIVERY_QUEUE_URL,
      deliveryDlqUrl: base.DELIVERY_DLQ_URL,
      retryQueueUrl: base.RETRY_QUEUE_URL,
      region: 'us-east-1',
    });
    expect(config.dynamoEndpoint).toBeUndefined();
    expect(config.sqsEndpoint).toBeUndefined();
    const { catalog, ...settings } = config.settings;
    expect(settings).toMatchObject({
      brand: 'YumKiosk',
      deliveryTimeoutMs: 10_000,
      retry: { delaysMs: [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 12 * HOUR], jitter: 0 },
      sweepGraceMs: 15 * MINUTE,
      retentionDays: 30,
      maxEndpointsPerTenant: 50,
      endpointCacheTtlMs: 5000,
      allowInsecureTargets: false,
    });
    expect(config.logLevel).toBe('info');
    expect(catalog.entries).toEqual(DEFAULT_CATALOG);
    for (const { type } of DEFAULT_CATALOG) expect(catalog.has(type)).toBe(true);
  });

  it('reads every variable that is set', () => {
    const config = loadConfig({
      ...base,
      RETRY_SCHEDULE: '1m,15m,60m',
      RETRY_JITTER: '0.2',
      HEADER_BRAND: 'Acme',
      DELIVERY_TIMEOUT: '30s',
      RETENTION_DAYS: '7',
      SWEEP_GRACE: '5m',
      MAX_ENDPOINTS_PER_TENANT: '500',
      ENDPOINT_CACHE_TTL: '0s',
      LOG_LEVEL: 'debug',
      ALLOW_INSECURE_TARGETS: 'true',
      EVENT_CATALOG: '[{"type":"thing.happened","description":"A thing happened."}]',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://localhost:8000',
      AWS_ENDPOINT_URL_SQS: 'http://localhost:9324',
    });
    expect(config.region).toBe('eu-west-1');
    expect(config.dynamoEndpoint).toBe('http://localhost:8000');
    expect(config.sqsEndpoint).toBe('http://localhost:9324');
    expect(config.settings).toMatchObject({
      brand: 'Acme',
      deliveryTimeoutMs: 30_000,
      retry: { delaysMs: [MINUTE, 15 * MINUTE, 60 * MINUTE], jitter: 0.2 },
      sweepGraceMs: 5 * MINUTE,
      retentionDays: 7,
      maxEndpointsPerTenant: 500,
      endpointCacheTtlMs: 0,
      allowInsecureTargets: true,
    });
    expect(config.logLevel).toBe('debug');
    expect(config.settings.catalog.has('thing.happened')).toBe(true);
    expect(config.settings.catalog.has('order.created')).toBe(false);
  });

  it.each(['fast', '1m,5x', '500ms', '13h', '', Array(21).fill('1m').join(',')])(
    'rejects RETRY_SCHEDULE=%j naming the variable',
    (value) => {
      expect(configError({ RETRY_SCHEDULE: value }).message).toMatch(/^RETRY_SCHEDULE/);
    },
  );

  it.each(['Yum Kiosk', '1Yum', '', 'Yum_Kiosk', 'Yüm', 'A'.repeat(33)])(
    'rejects HEADER_BRAND=%j naming the variable',
    (value) => {
      expect(configError({ HEADER_BRAND: value }).message).toMatch(/^HEADER_BRAND: /);
    },
  );

  it('accepts a HEADER_BRAND with digits and dashes of up to 32 characters', () => {
    expect(loadConfig({ ...base, HEADER_BRAND: 'Acme-2' }).settings.brand).toBe('Acme-2');
    expect(loadConfig({ ...base, HEADER_BRAND: `A${'b'.repeat(31)}` }).settings.brand).toHaveLength(32);
  });

  it.each(['ten', '10', '50ms', '61s', '2m'])('rejects DELIVERY_TIMEOUT=%j naming the variable', (value) => {
    expect(configError({ DELIVERY_TIMEOUT: value }).message).toMatch(/^DELIVERY_TIMEOUT: /);
  });

  it('accepts DELIVERY_TIMEOUT from 100 ms to 60 s', () => {
    expect(loadConfig({ ...base, DELIVERY_TIMEOUT: '100ms' }).settings.deliveryTimeoutMs).toBe(100);
    expect(loadConfig({ ...base, DELIVERY_TIMEOUT: '60s' }).settings.deliveryTimeoutMs).toBe(60_000);
  });

  it.each([
    ['not JSON', 'not json'],
    ['an empty list', '[]'],
    ['an object', '{"type":"a.b","description":"x"}'],
    ['a bad type name', '[{"type":"Order Created","description":"x"}]'],
    ['a missing description', '[{"type":"order.created"}]'],
  ])('rejects EVENT_CATALOG that is %s, naming the variable', (_name, value) => {
    expect(configError({ EVENT_CATALOG: value }).message).toMatch(/^EVENT_CATALOG/);
  });

  it('states the rule and the value in one line', () => {
    expect(configError({ DELIVERY_TIMEOUT: '2m' }).message).toBe(
      'DELIVERY_TIMEOUT: must be a duration from 100ms to 1m (e.g. 10s, 5m), got "2m"',
    );
    expect(configError({ MAX_ENDPOINTS_PER_TENANT: '501' }).message).toBe(
      'MAX_ENDPOINTS_PER_TENANT: must be an integer from 1 to 500, got "501"',
    );
  });

  it('refuses a RETENTION_DAYS shorter than twice the retry schedule plus 12 hours', () => {
    // 14 h 36 min twice, plus 12 h: 41.2 h, so 2 days.
    expect(configError({ RETENTION_DAYS: '1' }).message).toMatch(
      /^RETENTION_DAYS: must be at least 2 days with RETRY_SCHEDULE 1m,5m,30m,2h,12h /,
    );
    expect(loadConfig({ ...base, RETRY_SCHEDULE: '1s,2s', RETENTION_DAYS: '1' }).settings.retentionDays).toBe(
      1,
    );
  });

  it("derives the sweep grace from the delivery queue's visibility when SWEEP_GRACE is unset", () => {
    // 30 s timeout: the function may run 315 s, the queue hides a message 6 x that, plus a minute.
    expect(loadConfig({ ...base, DELIVERY_TIMEOUT: '30s' }).settings.sweepGraceMs).toBe(
      (6 * 315 + 60) * 1000,
    );
  });

  it('reads EVENT_CATALOG from a file when it is a path (how the stack ships it)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'catalog-')), 'catalog.json');
    writeFileSync(file, '[{"type":"file.thing","description":"From a file."}]');
    expect(loadConfig({ ...base, EVENT_CATALOG: file }).settings.catalog.has('file.thing')).toBe(true);
    expect(configError({ EVENT_CATALOG: `${file}.missing` }).message).toMatch(/^EVENT_CATALOG: .*ENOENT/);
  });

  it('reads ENDPOINT_CACHE_TTL=0 (no unit) as no cache', () => {
    expect(loadConfig({ ...base, ENDPOINT_CACHE_TTL: '0' }).settings.endpointCacheTtlMs).toBe(0);
  });

  it('uses the local defaults in the local runtime', () => {
    expect(loadConfig(base, { local: true }).logLevel).toBe('warn');
    expect(loadConfig({ ...base, LOG_LEVEL: 'error' }, { local: true }).logLevel).toBe('error');
  });

  it.each([
    ['TABLE_NAME', { TABLE_NAME: undefined }],
    ['DELIVERY_QUEUE_URL', { DELIVERY_QUEUE_URL: undefined }],
    ['RETRY_JITTER', { RETRY_JITTER: '0.7' }],
    ['SWEEP_GRACE', { SWEEP_GRACE: 'soon' }],
    ['RETENTION_DAYS', { RETENTION_DAYS: '0' }],
    ['MAX_ENDPOINTS_PER_TENANT', { MAX_ENDPOINTS_PER_TENANT: '501' }],
    ['ENDPOINT_CACHE_TTL', { ENDPOINT_CACHE_TTL: '61s' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['ALLOW_INSECURE_TARGETS', { ALLOW_INSECURE_TARGETS: 'yes' }],
  ])('names %s when it is missing or invalid', (name, env) => {
    expect(configError(env).message.startsWith(name)).toBe(true);
  });
});
