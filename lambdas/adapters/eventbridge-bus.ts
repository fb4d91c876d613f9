import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { OperationalBus, OperationalEvent } from '../domain/operational';
import { OPERATIONAL_EVENT_SOURCE } from '../settings/resources';

export interface EventBridgeBusOptions {
  readonly busName: string;
  readonly region: string;
  /** A client of one's own (tests); otherwise one is made on the first put. */
  readonly client?: Pick<EventBridgeClient, 'send'>;
}

/**
 * Puts operational events on an EventBridge bus: `source` webhooks.operational, `detail-type` the event
 * type, `detail` the event's id and data. The SDK module is loaded on the first put, so functions that
 * never put one (and every cold start) do not pay for it.
 */
export class EventBridgeBus implements OperationalBus {
  private client: Promise<Pick<EventBridgeClient, 'send'>> | undefined;

  constructor(private readonly options: EventBridgeBusOptions) {
    if (options.client) this.client = Promise.resolve(options.client);
  }

  private async sdk() {
    return import('@aws-sdk/client-eventbridge');
  }

  async put(event: OperationalEvent): Promise<void> {
    const { PutEventsCommand, EventBridgeClient } = await this.sdk();
    this.client ??= Promise.resolve(new EventBridgeClient({ region: this.options.region, maxAttempts: 3 }));
    const client = await this.client;
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.options.busName,
            Source: OPERATIONAL_EVENT_SOURCE,
            DetailType: event.type,
            Detail: JSON.stringify({ id: event.id, ...event.data }),
            Time: new Date(event.data.at),
          },
        ],
      }),
    );
    // PutEvents answers 200 with per-entry failures: a refused entry is an error, not a success.
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new Error(`EventBridge refused ${event.type}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
    }
  }
}
