/**
 * Creates the stack's table and queues on the emulators, from the same definitions the CDK stack uses
 * (lib/resources.ts). Idempotent: existing resources are left as they are (their data survives restarts).
 */
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  DELIVERY_DLQ,
  DELIVERY_QUEUE,
  deliveryMaxReceiveCount,
  type QueueDefinition,
  RETRY_DLQ,
  RETRY_QUEUE,
  RETRY_QUEUE_MAX_RECEIVES,
  type TableDefinition,
  WEBHOOK_TABLE,
} from '../lib/resources';

export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  def: TableDefinition = WEBHOOK_TABLE,
  options: { readonly ttl?: boolean } = {},
) {
  const attributes = new Map<string, string>();
  for (const key of [
    def.partitionKey,
    def.sortKey,
    ...def.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    attributes.set(key.name, key.type);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
          AttributeName,
          AttributeType: AttributeType as 'S' | 'N',
        })),
        KeySchema: [
          { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: def.globalIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        })),
      }),
    );
    // DynamoDB Local deletes expired items in the background, as AWS does. Tests on a fake clock (items
    // that expired in real time long ago) turn it off, or their items would vanish at random moments.
    if (options.ttl === false) return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

export interface LocalQueues {
  readonly deliveryQueueUrl: string;
  readonly deliveryDlqUrl: string;
  readonly retryQueueUrl: string;
  readonly retryDlqUrl: string;
}

async function createQueue(client: SQSClient, def: QueueDefinition, extra: Record<string, string> = {}) {
  const out = await client.send(
    new CreateQueueCommand({
      QueueName: def.localName,
      Attributes: {
        VisibilityTimeout: String(def.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(def.retentionSeconds),
        ...(def.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {}),
        ...extra,
      },
    }),
  );
  return out.QueueUrl!;
}

async function arnOf(client: SQSClient, url: string): Promise<string> {
  const out = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return out.Attributes!.QueueArn!;
}

export async function createQueues(
  client: SQSClient,
  options: { retryCount: number; deliveryVisibilitySeconds: number },
): Promise<LocalQueues> {
  const deliveryDlqUrl = await createQueue(client, DELIVERY_DLQ);
  const retryDlqUrl = await createQueue(client, RETRY_DLQ);
  const deliveryQueueUrl = await createQueue(client, DELIVERY_QUEUE, {
    VisibilityTimeout: String(options.deliveryVisibilitySeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: await arnOf(client, deliveryDlqUrl),
      maxReceiveCount: deliveryMaxReceiveCount(options.retryCount),
    }),
  });
  const retryQueueUrl = await createQueue(client, RETRY_QUEUE, {
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: await arnOf(client, retryDlqUrl),
      maxReceiveCount: RETRY_QUEUE_MAX_RECEIVES,
    }),
  });
  return { deliveryQueueUrl, deliveryDlqUrl, retryQueueUrl, retryDlqUrl };
}
