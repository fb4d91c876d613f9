import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { type AttributeType, type KeyAttribute, type TableDefinition, WEBHOOK_TABLE } from '../resources';

const ATTRIBUTE_TYPES: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
};

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}

export interface StorageProps {
  /** Customer managed key that encrypts the table. */
  readonly encryptionKey: kms.IKey;
  /**
   * Keys, indexes and TTL attribute of the table.
   * @default WEBHOOK_TABLE from lib/resources.ts
   */
  readonly definition?: TableDefinition;
}

/**
 * The single DynamoDB table, built from its definition in `lib/resources.ts` (the same one the local
 * runtime provisions), encrypted with the stack's key, with point-in-time recovery and TTL. The table is
 * retained when the stack is deleted.
 */
export class Storage extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const definition = props.definition ?? WEBHOOK_TABLE;

    this.table = new dynamodb.Table(this, definition.id, {
      partitionKey: attribute(definition.partitionKey),
      sortKey: attribute(definition.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: definition.ttlAttribute,
    });
    for (const index of definition.globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: dynamodb.ProjectionType[index.projection],
      });
    }
  }
}
