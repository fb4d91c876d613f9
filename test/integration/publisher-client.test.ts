import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublisher, PublishError } from '../../clients/publisher';
import {
  ExamplePublisherConfigError,
  InvalidInvocationError,
  makeExamplePublisherHandler,
  publisherFromEnvironment,
} from '../../lambdas/example-publisher/handler';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, startTestRuntime } from '../support/runtime';

describe('the example publisher Lambda, through the publisher client, against the local runtime', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let invoke: (event: unknown) => Promise<unknown>;

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime();
    await apiClient(runtime.url).createEndpoint({
      tenantId: 'pub',
      url: `${receiver.url}/pub`,
      events: ['*'],
    });
    const publisher = createPublisher({
      apiUrl: runtime.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      sleep: async () => {},
    });
    invoke = makeExamplePublisherHandler(publisher);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('publishes a signed request and the event is delivered; the same id again answers 200', async () => {
    const event = { tenantId: 'pub', type: 'kiosk.paired', data: { kioskId: 'k-1' }, id: 'kiosk-k-1-paired' };
    const first = await invoke(event);
    expect(first).toMatchObject({
      status: 202,
      id: 'kiosk-k-1-paired',
      deliveries: [{ endpointId: expect.any(String) }],
    });
    const [request] = await receiver.waitFor(1);
    expect(JSON.parse(request!.body)).toMatchObject({ id: 'kiosk-k-1-paired', event: 'kiosk.paired' });
    const again = await invoke(event);
    expect(again).toMatchObject({ status: 200, id: 'kiosk-k-1-paired' });
  });

  it('generates an event id when none is given', async () => {
    const result = (await invoke({ tenantId: 'pub', type: 'kiosk.paired', data: {} })) as { id: string };
    expect(result.id).toMatch(/^evt_/);
  });

  it('surfaces the service validation error with its fields, and rejects a bad invocation before sending', async () => {
    const error = await invoke({ tenantId: 'pub', type: 'kiosk.exploded', data: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ status: 422, fields: [{ field: 'type' }] });
    await expect(invoke({ tenantId: 'pub', data: {} })).rejects.toBeInstanceOf(InvalidInvocationError);
  });

  it('names the missing variable when its environment is incomplete', () => {
    expect(() => publisherFromEnvironment({ AWS_REGION: 'us-east-1' })).toThrow(ExamplePublisherConfigError);
    expect(() => publisherFromEnvironment({ WEBHOOK_API_URL: 'https://x.example/prod/' })).toThrow(
      /AWS_REGION/,
    );
  });
});
