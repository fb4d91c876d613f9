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
      allowInsecureTargets: false,
    });
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
      MAX_ENDPOINTS_PER_TENANT: '10',
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
      maxEndpointsPerTenant: 10,
      allowInsecureTargets: true,
    });
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

  it.each([
    ['TABLE_NAME', { TABLE_NAME: undefined }],
    ['DELIVERY_QUEUE_URL', { DELIVERY_QUEUE_URL: undefined }],
    ['RETRY_JITTER', { RETRY_JITTER: '0.7' }],
    ['SWEEP_GRACE', { SWEEP_GRACE: 'soon' }],
    ['RETENTION_DAYS', { RETENTION_DAYS: '0' }],
    ['MAX_ENDPOINTS_PER_TENANT', { MAX_ENDPOINTS_PER_TENANT: '100' }],
    ['ALLOW_INSECURE_TARGETS', { ALLOW_INSECURE_TARGETS: 'yes' }],
  ])('names %s when it is missing or invalid', (name, env) => {
    expect(configError(env).message.startsWith(name)).toBe(true);
  });
});
