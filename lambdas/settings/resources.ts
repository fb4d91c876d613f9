/**
 * The one description of every table and queue the service uses.
 *
 * The CDK stack (`lib/constructs/*`) and the local runtime (`local/`) both build their resources from
 * these objects, so a key, index, TTL attribute or queue setting is written exactly once. This file is
 * plain data: it imports neither aws-cdk-lib nor the AWS SDK.
 */

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /**
   * KEYS_ONLY: the index holds the keys and nothing else, so an attempt that updates a delivery's status
   * and attempts list does not rewrite index copies (each would cost write units and DynamoDB CPU).
   * Readers fetch the items by key after querying the index.
   */
  readonly projection: 'KEYS_ONLY';
}

export interface TableDefinition {
  /** Construct id in the stack and base name locally. */
  readonly id: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalIndexes: readonly IndexDefinition[];
  /** Attribute holding the expiry time in epoch seconds (DynamoDB TTL). */
  readonly ttlAttribute: string;
}

/**
 * Single table. Item layout (see docs/architecture.md):
 * - endpoint:     pk `T#<tenant>`, sk `EP#<endpointId>`; the tenant's endpoint count: sk `META`
 * - event:        pk `EV#<tenant>#<eventId>`, sk `EV` (body compressed when that saves a write unit)
 * - delivery:     pk `EP#<tenant>#<endpointId>`, sk `DL#<deliveryId>`, its first attempt inline
 * - attempt 2+:   pk `EP#<tenant>#<endpointId>`, sk `AT#<deliveryId>#<n>`
 * Indexes are sparse and written only off the happy path: `status` holds a tenant's pending-retry and
 * failed deliveries, `sweep` the deliveries waiting for a retry and the events whose send failed.
 */
export const WEBHOOK_TABLE: TableDefinition = {
  id: 'Webhooks',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalIndexes: [
    {
      indexName: 'status',
      partitionKey: { name: 'stPk', type: 'S' },
      sortKey: { name: 'stSk', type: 'S' },
      projection: 'KEYS_ONLY',
    },
    {
      indexName: 'sweep',
      partitionKey: { name: 'sweepPk', type: 'S' },
      sortKey: { name: 'sweepAt', type: 'N' },
      projection: 'KEYS_ONLY',
    },
  ],
  ttlAttribute: 'expiresAt',
};

export interface QueueDefinition {
  /** Construct id in the stack. */
  readonly id: string;
  /** Queue name locally; on AWS CloudFormation generates it (FIFO names keep the `.fifo` suffix). */
  readonly localName: string;
  readonly fifo: boolean;
  /** Seconds; overridden where it depends on a function timeout (see `deliveryVisibilitySeconds`). */
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
}

const FOURTEEN_DAYS = 14 * 24 * 3600;

/** Delivery queue: FIFO, one message group per endpoint, explicit deduplication ids. */
export const DELIVERY_QUEUE: QueueDefinition = {
  id: 'DeliveryQueue',
  localName: 'webhook-deliveries.fifo',
  fifo: true,
  visibilityTimeoutSeconds: 720,
  retentionSeconds: FOURTEEN_DAYS,
};

/** Dead-letter queue of the delivery queue (the DLQ of a FIFO queue must be FIFO). */
export const DELIVERY_DLQ: QueueDefinition = {
  id: 'DeliveryDlq',
  localName: 'webhook-deliveries-dlq.fifo',
  fifo: true,
  visibilityTimeoutSeconds: 30,
  retentionSeconds: FOURTEEN_DAYS,
};

/** Standard queue whose message timers (at most 900 s a hop) hold retries until they are due. */
export const RETRY_QUEUE: QueueDefinition = {
  id: 'RetryQueue',
  localName: 'webhook-retries',
  fifo: false,
  visibilityTimeoutSeconds: 180,
  retentionSeconds: FOURTEEN_DAYS,
};

/** Dead-letter queue of the retry queue; the sweeper re-enqueues what lands here from the table. */
export const RETRY_DLQ: QueueDefinition = {
  id: 'RetryDlq',
  localName: 'webhook-retries-dlq',
  fifo: false,
  visibilityTimeoutSeconds: 30,
  retentionSeconds: FOURTEEN_DAYS,
};

/** Receives of one message before SQS moves it to the retry DLQ. */
export const RETRY_QUEUE_MAX_RECEIVES = 5;

/**
 * Receives of one FIFO message before the redrive policy moves it to the DLQ: a last resort for a message
 * that crashes its handler, never the way a delivery ends (the code dead-letters what it gives up on).
 *
 * On AWS a receive hands out a group's head with up to 9 followers and counts against each, so a message
 * can be received once per attempt of each of the 9 deliveries ahead of it, then once per attempt of its
 * own, before it is done: 10 x (retries + 1). The slack covers early wake-ups and crashes.
 */
export function deliveryMaxReceiveCount(retryCount: number): number {
  return Math.min(1000, 10 * (retryCount + 1) + 10);
}

/** AWS guidance: queue visibility at least 6 x the consuming function's timeout. */
export function deliveryVisibilitySeconds(functionTimeoutSeconds: number): number {
  return Math.max(DELIVERY_QUEUE.visibilityTimeoutSeconds, 6 * functionTimeoutSeconds);
}

/** Environment variable names shared by the stack and the local runtime. */
export const ENV = {
  tableName: 'TABLE_NAME',
  deliveryQueueUrl: 'DELIVERY_QUEUE_URL',
  deliveryDlqUrl: 'DELIVERY_DLQ_URL',
  retryQueueUrl: 'RETRY_QUEUE_URL',
  retryDlqUrl: 'RETRY_DLQ_URL',
} as const;

/** The KMS HMAC key the portal's token key is derived from (api function); unset when the portal is off. */
export const PORTAL_KEY_ENV = 'PORTAL_KEY_ID';

/**
 * The KMS key that seals endpoint signing secrets (envelope encryption): given to the api function, which
 * seals, and the delivery function, which opens; the other functions never get it.
 */
export const SECRETS_KEY_ENV = 'SECRETS_KEY_ID';

/**
 * The KMS encryption context of every data key that seals endpoint secrets. The key policy's grants are
 * conditioned on it, so the grants cannot be used to decrypt anything else under that key; each secret is
 * also bound to its tenant and endpoint by the AES-GCM additional data (`envelope-secrets.ts`).
 */
export const SECRETS_ENCRYPTION_CONTEXT: Readonly<Record<string, string>> = {
  purpose: 'webhook-endpoint-secret',
};

/** The portal page's script and stylesheet inside the api function's bundle (`/var/task/<name>`). */
export const PORTAL_BUNDLED_FILES = { script: 'portal-app.js', styles: 'portal-app.css' } as const;

/** Messages Lambda hands the delivery function at once (the FIFO maximum). */
export const DELIVERY_BATCH_SIZE = 10;

/**
 * Delivery function timeout: room for a whole batch of one group sent one after another at the HTTP
 * timeout, plus overhead. The handler also stops starting attempts near its deadline.
 */
export function deliveryFunctionTimeoutSeconds(deliveryTimeoutMs: number): number {
  return Math.min(900, Math.ceil(deliveryTimeoutMs / 1000) * DELIVERY_BATCH_SIZE + 15);
}

/** `source` of the operational events on EventBridge (rules match on it and on `detail-type`). */
export const OPERATIONAL_EVENT_SOURCE = 'webhooks.operational';
