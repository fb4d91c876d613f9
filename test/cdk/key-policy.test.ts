import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it, vi } from 'vitest';
import { WebhookStack } from '../../lib/webhook-stack';

// Each synth takes about a second alone, many more on a busy machine: room for several per test.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

type Statement = {
  Principal?: { Service?: string | string[] };
  Action: string | string[];
  Condition?: unknown;
};

describe('KMS key policy', () => {
  it("lets cloudwatch.amazonaws.com use the key only for this account's alarms in this region", () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new WebhookStack(app, 'WebhookService');
    const template = Template.fromStack(stack);
    // The stack's key (table, queues, alarm topic); the secrets key (secrets-key.test.ts) and the portal's
    // HMAC token key have their own tests.
    const keyId = stack.getLogicalId(stack.encryptionKey.node.defaultChild as CfnElement);
    const statements = template.toJSON().Resources[keyId].Properties.KeyPolicy.Statement as Statement[];
    const services = statements.filter((s) => s.Principal?.Service !== undefined);
    // Every service principal on this key is conditioned: CloudWatch (alarms to the SNS topic) and EventBridge
    // (the operational-events rule to the same topic; operational-events.test.ts checks its condition).
    expect(services.map((s) => s.Principal!.Service)).toEqual([
      'cloudwatch.amazonaws.com',
      'events.amazonaws.com',
    ]);
    for (const s of services) expect(s.Condition).toBeDefined();
    expect(services[0]!.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':alarm:*',
            ],
          ],
        },
      },
    });
  });
});
