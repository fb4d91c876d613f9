import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it, vi } from 'vitest';
import { WebhookStack, type WebhookStackProps } from '../../lib/webhook-stack';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

function build(props: WebhookStackProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new WebhookStack(app, 'WebhookService', props);
  return { stack, template: Template.fromStack(stack) };
}

const idOf = (stack: WebhookStack, c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource?: unknown; Principal?: unknown; Condition?: unknown };
const arr = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

function putEventsGrants(template: Template): { roles: string[]; resources: string[] }[] {
  const out: { roles: string[]; resources: string[] }[] = [];
  for (const r of Object.values(template.toJSON().Resources as Record<string, Resource>)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const doc = r.Properties.PolicyDocument as { Statement: Statement[] };
    for (const s of doc.Statement) {
      if (!arr(s.Action).includes('events:PutEvents')) continue;
      out.push({
        roles: (r.Properties.Roles as { Ref: string }[]).map((x) => x.Ref),
        resources: arr(s.Resource).map((x) => JSON.stringify(x)),
      });
    }
  }
  return out;
}

describe('operational events on EventBridge', () => {
  it('lets the api and delivery functions (and no other) put events on the default bus only', () => {
    const { stack, template } = build();
    const grants = putEventsGrants(template);
    const roleOf = (fn: { role?: IConstruct }) => idOf(stack, fn.role!);
    expect(grants.flatMap((g) => g.roles).sort()).toEqual(
      [roleOf(stack.ingestApi.apiFunction), roleOf(stack.pipeline.deliveryFunction)].sort(),
    );
    for (const g of grants) {
      expect(g.resources).toHaveLength(1);
      expect(g.resources[0]).toContain(':event-bus/default');
    }
  });

  it('routes endpoint.disabled to the alarm topic with a one-line message (the documented example rule)', () => {
    const { stack, template } = build();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: { source: ['webhooks.operational'], 'detail-type': ['endpoint.disabled'] },
      Targets: [
        {
          Arn: { Ref: idOf(stack, stack.alarms.topic) },
          InputTransformer: {
            InputPathsMap: {
              'detail-endpointId': '$.detail.endpointId',
              'detail-tenantId': '$.detail.tenantId',
              'detail-reason': '$.detail.reason',
            },
          },
        },
      ],
    });
  });

  it('lets EventBridge publish to the topic for that rule only, and use the key for this account only', () => {
    const { stack, template } = build();
    const resources = template.toJSON().Resources as Record<string, Resource>;
    const topicPolicies = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::TopicPolicy');
    const events = topicPolicies.flatMap((p) =>
      (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter(
        (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'events.amazonaws.com' }),
      ),
    );
    const rule = idOf(stack, stack.operationalEvents!.endpointDisabledRule);
    expect(events).toHaveLength(1);
    expect(events[0]!.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } } });

    const key = resources[idOf(stack, stack.encryptionKey)]!;
    const keyStatements = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement.filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'events.amazonaws.com' }),
    );
    expect(keyStatements).toHaveLength(1);
    expect(JSON.stringify(keyStatements[0]!.Condition)).toContain(':rule/*');
    expect(keyStatements[0]!.Condition).toMatchObject({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
  });

  it('names a bus of ones own, or none at all with operationalEventBus none', () => {
    const own = build({ operationalEventBus: 'ops-bus' });
    expect(putEventsGrants(own.template).every((g) => g.resources[0]!.includes(':event-bus/ops-bus'))).toBe(
      true,
    );
    own.template.hasResourceProperties('AWS::Events::Rule', { EventBusName: 'ops-bus' });

    const none = build({ operationalEventBus: 'none' });
    expect(none.stack.operationalEvents).toBeUndefined();
    expect(putEventsGrants(none.template)).toEqual([]);
    expect(
      Object.values(none.template.toJSON().Resources as Record<string, Resource>).filter(
        (r) =>
          r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties).includes('webhooks.operational'),
      ),
    ).toEqual([]);
  });

  it('refuses a bad bus name at synth, naming the key', () => {
    expect(() => build({ operationalEventBus: 'bad bus!' })).toThrow(/operationalEventBus/);
  });
});
