import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SECRETS_ENCRYPTION_CONTEXT, SECRETS_KEY_ENV } from '../resources';

export interface SecretsKeyProps {
  /**
   * Yearly automatic rotation of the key material (old versions stay usable for decryption).
   * @default true
   */
  readonly enableKeyRotation?: boolean;
}

/**
 * The KMS key that seals endpoint signing secrets (envelope encryption in the application), apart from
 * the stack's key: every function that reads the table is granted decrypt on the table's key, so only a
 * key of its own keeps the secrets closed to the functions that never sign (ingest, retry, sweeper).
 * Retained when the stack is deleted, like the table whose secrets it opens.
 */
export class SecretsKey extends Construct {
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: SecretsKeyProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Seals the webhook endpoint signing secrets (data keys for AES-256-GCM)',
      enableKeyRotation: props.enableKeyRotation ?? true,
    });
  }

  /** Lets `fn` seal secrets: `kms:GenerateDataKey` with the secrets' encryption context, and the key id. */
  grantSeal(fn: lambda.Function): void {
    this.grant(fn, 'kms:GenerateDataKey');
  }

  /** Lets `fn` open secrets: `kms:Decrypt` with the secrets' encryption context, and the key id. */
  grantOpen(fn: lambda.Function): void {
    this.grant(fn, 'kms:Decrypt');
  }

  private grant(fn: lambda.Function, action: string): void {
    fn.addEnvironment(SECRETS_KEY_ENV, this.key.keyArn);
    const conditions = {
      StringEquals: Object.fromEntries(
        Object.entries(SECRETS_ENCRYPTION_CONTEXT).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]),
      ),
    };
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: [action], resources: [this.key.keyArn], conditions }),
    );
  }
}
