import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

/**
 * The wildcards that `grantReadWriteData` and `grant*Messages` put on a KMS-encrypted table or queue.
 * Acknowledged on the construct that holds the functions, so each function's policy is still checked for
 * anything else.
 */
export function acknowledgeDataGrants(scope: Construct, table: dynamodb.Table): void {
  const tableLogicalId = Stack.of(table).getLogicalId(table.node.defaultChild as dynamodb.CfnTable);
  Validations.of(scope).acknowledge(
    {
      id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
      reason: 'The table grant covers its own GSIs (queries on the status and sweep indexes).',
    },
    {
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'Added by grants on the KMS-encrypted table/queues; scoped to the stack key.',
    },
    {
      id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      reason: 'Added by grants on the KMS-encrypted table/queues; scoped to the stack key.',
    },
  );
}
