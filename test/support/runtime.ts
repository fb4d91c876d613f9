/** Starts the local runtime in-process against the run's shared DynamoDB Local, with its own table. */
import { randomBytes } from 'node:crypto';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createLog } from '../../lambdas/observability';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../local/runtime';

export async function startTestRuntime(
  options: Omit<RuntimeOptions, 'dynamoEndpoint' | 'tablePrefix'> = {},
): Promise<Runtime> {
  return startRuntime({
    port: 0,
    log: createLog('test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `t${randomBytes(4).toString('hex')}-`,
    ...options,
    env: { ALLOW_INSECURE_TARGETS: 'true', ENDPOINT_CACHE_TTL: '0', FANOUT_CACHE_TTL: '0', ...options.env },
  });
}

/** A small JSON client for the runtime's HTTP API. */
export function apiClient(baseUrl: string) {
  const call = async (method: string, path: string, body?: unknown, raw?: string | Buffer) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      headers: { 'content-type': 'application/json' },
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    // biome-ignore lint/suspicious/noExplicitAny: test convenience over arbitrary JSON answers.
    return { status: response.status, headers: response.headers, body: json as any, text };
  };
  return {
    call,
    createEndpoint: (input: Record<string, unknown>) => call('POST', '/v1/endpoints', input),
    publish: (input: Record<string, unknown>) => call('POST', '/v1/events', input),
    delivery: (tenantId: string, id: string) => call('GET', `/v1/deliveries/${id}?tenantId=${tenantId}`),
    health: () => call('GET', '/v1/health'),
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Items in the runtime's table, all of them or those whose partition key starts with `pkPrefix`. */
export async function countItems(runtime: Runtime, pkPrefix?: string): Promise<number> {
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await runtime.dynamo.send(
      new ScanCommand({
        TableName: runtime.config.tableName,
        Select: 'COUNT',
        ExclusiveStartKey: start,
        ...(pkPrefix
          ? { FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: pkPrefix } } }
          : {}),
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}
