/** Runs a scenario through the local runtime (`startRuntime`): the real handlers, DynamoDB Local, fauxqs. */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLog } from '../lambdas/observability';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/emulators';
import { type Runtime, type RuntimeOptions, startRuntime } from '../local/runtime';
import { OpCounter } from './counting';
import type { HttpClient } from './http-client';
import { profiled } from './profile';
import type { BenchReceiver } from './receiver';
import {
  DELIVERY_CONCURRENCY,
  drive,
  endpointPath,
  RETRY_SCHEDULE,
  type RunFigures,
  type Scenario,
  tenantOf,
} from './scenarios';
import { runPool } from './stats';

let tables = 0;

export interface OursHandle {
  readonly runtime: Runtime;
  readonly counter: OpCounter;
  stop(): Promise<void>;
}

/** Starts a runtime with its own table on the shared DynamoDB Local, counting every AWS request. */
export async function startOurs(
  dynamoEndpoint: string,
  options: Partial<RuntimeOptions> & { capacity?: boolean } = {},
): Promise<OursHandle> {
  const tablePrefix = `bench${++tables}-`;
  const { capacity, ...runtimeOptions } = options;
  const runtime = await startRuntime({
    port: 0,
    dynamoEndpoint,
    tablePrefix,
    log: createLog('bench', 'silent'),
    deliveryConcurrency: DELIVERY_CONCURRENCY,
    ...runtimeOptions,
    env: { ALLOW_INSECURE_TARGETS: 'true', RETRY_SCHEDULE, ...runtimeOptions.env },
  });
  const counter = new OpCounter({ capacity: capacity ?? false });
  counter.attachRuntime(runtime);
  return {
    runtime,
    counter,
    stop: async () => {
      await runtime.stop();
      // Free DynamoDB Local's memory for the next scenario.
      const client = new DynamoDBClient({
        endpoint: dynamoEndpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      });
      await client.send(new DeleteTableCommand({ TableName: `${tablePrefix}webhooks` })).catch(() => {});
      client.destroy();
    },
  };
}

/** Registers one endpoint per tenant, pointing at the receiver, subscribed to every type. */
export async function registerEndpoints(
  runtime: Runtime,
  http: HttpClient,
  receiver: BenchReceiver,
  endpoints: readonly { endpoint: number; tenantId: string }[],
): Promise<void> {
  // Concurrently: each create is answered only after FANOUT_CACHE_TTL (the API waits out the cache).
  await runPool(endpoints.length, 25, async (i) => {
    const { endpoint, tenantId } = endpoints[i]!;
    const out = await http.post(
      `${runtime.url}/v1/endpoints`,
      JSON.stringify({ tenantId, url: `${receiver.url}${endpointPath(endpoint)}`, events: ['*'] }),
    );
    if (out.status !== 201 && out.status !== 200)
      throw new Error(`registering an endpoint answered ${out.status}: ${out.body}`);
  });
}

export interface OursResult {
  readonly figures: RunFigures;
  readonly counter: OpCounter;
}

export async function runOurs(
  s: Scenario,
  dynamoEndpoint: string,
  receiver: BenchReceiver,
  http: HttpClient,
  javaPid?: number,
): Promise<OursResult> {
  const ours = await startOurs(dynamoEndpoint);
  try {
    await registerEndpoints(
      ours.runtime,
      http,
      receiver,
      Array.from({ length: s.endpoints }, (_, endpoint) => ({ endpoint, tenantId: tenantOf(endpoint) })),
    );
    ours.counter.reset();
    const url = `${ours.runtime.url}/v1/events`;
    const figures = await profiled(`ours-s${s.id}`, () =>
      drive(s, receiver, async (e) => (await http.post(url, e.body)).status === 202, javaPid),
    );
    return { figures, counter: ours.counter };
  } finally {
    await ours.stop();
  }
}
