import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { SECRETS_ENCRYPTION_CONTEXT, SECRETS_KEY_ENV } from '../../lambdas/settings/resources';
import { WebhookStack } from '../../lib/webhook-stack';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const arr = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const logicalId = (c: IConstruct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);

describe('the secrets key', () => {
  let stack: WebhookStack;
  let resources: Record<string, Resource>;
  let keyId: string;
  let fns: Record<'ingest' | 'api' | 'delivery' | 'retry' | 'sweeper', string>;

  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    stack = new WebhookStack(app, 'WebhookService');
    resources = Template.fromStack(stack).toJSON().Resources;
    keyId = logicalId(stack.secretsKey.key);
    fns = {
      ingest: logicalId(stack.ingestApi.ingestFunction),
      api: logicalId(stack.ingestApi.apiFunction),
      delivery: logicalId(stack.pipeline.deliveryFunction),
      retry: logicalId(stack.pipeline.retryFunction),
      sweeper: logicalId(stack.pipeline.sweeperFunction),
    };
  });

  /** Every statement of the function role's policies that names the secrets key. */
  function onSecretsKey(fn: keyof typeof fns): Statement[] {
    const roleId = resources[fns[fn]]!.Properties.Role['Fn::GetAtt'][0] as string;
    return Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => JSON.stringify(s.Resource).includes(keyId));
  }

  const actionsOn = (fn: keyof typeof fns) => onSecretsKey(fn).flatMap((s) => arr(s.Action));

  it('is a key of its own, rotating yearly and retained with the table', () => {
    expect(keyId).not.toBe(logicalId(stack.encryptionKey));
    expect(resources[keyId]!.Properties.EnableKeyRotation).toBe(true);
    expect(resources[keyId]!.DeletionPolicy).toBe('Retain');
  });

  it('lets the delivery function decrypt and nothing else', () => {
    expect(actionsOn('delivery')).toEqual(['kms:Decrypt']);
  });

  it('lets the api function generate data keys (seal) but not decrypt', () => {
    expect(actionsOn('api')).toEqual(['kms:GenerateDataKey']);
  });

  it('gives ingest, retry and the sweeper no access at all', () => {
    for (const fn of ['ingest', 'retry', 'sweeper'] as const) expect(actionsOn(fn), fn).toEqual([]);
  });

  it("conditions both grants on the secrets' encryption context", () => {
    const expected = {
      StringEquals: Object.fromEntries(
        Object.entries(SECRETS_ENCRYPTION_CONTEXT).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]),
      ),
    };
    for (const fn of ['api', 'delivery'] as const)
      for (const s of onSecretsKey(fn)) expect(s.Condition, fn).toEqual(expected);
  });

  it('gives its id to the api and delivery functions only', () => {
    for (const [fn, id] of Object.entries(fns)) {
      const env = resources[id]!.Properties.Environment.Variables as Record<string, unknown>;
      if (fn === 'api' || fn === 'delivery')
        expect(env[SECRETS_KEY_ENV], fn).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      else expect(env[SECRETS_KEY_ENV], fn).toBeUndefined();
    }
  });

  it("leaves the table key's grants alone: no function gets the secrets key through them", () => {
    // Every statement naming the secrets key is one of the two grants above.
    const all = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => JSON.stringify(s.Resource).includes(keyId));
    expect(all.flatMap((s) => arr(s.Action)).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});
