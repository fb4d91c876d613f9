import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { OPERATIONAL_EVENT_SOURCE } from '../../lambdas/settings/resources';

export interface OperationalEventsProps {
  /** The bus the functions put operational events on (`operationalEventBus`; `default` is the account's). */
  readonly busName: string;
  /** The functions that put them: api (endpoint.enabled/disabled) and delivery (all three). */
  readonly publishers: readonly lambda.IFunction[];
  /** The alarm topic: the example rule sends `endpoint.disabled` there. */
  readonly alarmTopic: sns.ITopic;
  /** The topic's key: EventBridge must be allowed to use it to publish to the encrypted topic. */
  readonly topicKey: kms.IKey;
}

/**
 * Operational events on EventBridge: the functions may put events on the bus (and on no other), and one
 * rule, the example operators copy, routes `endpoint.disabled` to the alarm topic with a one-line message.
 * Rules of one's own match `source: ["webhooks.operational"]` and a `detail-type` (docs/operations.md).
 */
export class OperationalEvents extends Construct {
  public readonly bus: events.IEventBus;
  public readonly endpointDisabledRule: events.Rule;

  constructor(scope: Construct, id: string, props: OperationalEventsProps) {
    super(scope, id);
    this.bus = events.EventBus.fromEventBusName(this, 'Bus', props.busName);
    for (const fn of props.publishers) this.bus.grantPutEventsTo(fn);

    this.endpointDisabledRule = new events.Rule(this, 'EndpointDisabled', {
      description:
        'Example: an endpoint was disabled (410 Gone, failing too long, or the API) -> alarm topic',
      eventBus: this.bus,
      eventPattern: { source: [OPERATIONAL_EVENT_SOURCE], detailType: ['endpoint.disabled'] },
    });
    // The target is added by hand, not with targets.SnsTopic: that one grants events.amazonaws.com the topic
    // and its key with no condition, and this key also protects the table (confused deputy). Here both
    // grants are for this account's rules only, and the topic's for this rule alone.
    this.endpointDisabledRule.addTarget({
      bind: () => ({
        arn: props.alarmTopic.topicArn,
        input: events.RuleTargetInput.fromText(
          `Webhook endpoint ${events.EventField.fromPath('$.detail.endpointId')} of tenant ` +
            `${events.EventField.fromPath('$.detail.tenantId')} was disabled: ` +
            `${events.EventField.fromPath('$.detail.reason')}`,
        ),
      }),
    });
    props.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.alarmTopic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.endpointDisabledRule.ruleArn } },
      }),
    );
    // EventBridge publishes to the encrypted topic with its key (SNS encryption docs), for this account's rules.
    const stack = Stack.of(this);
    props.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Any rule of this account in this region: naming this rule's ARN would make the key depend on the
        // rule, which depends on the topic, which depends on the key (a cycle CloudFormation refuses).
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/*`,
          },
        },
      }),
    );
  }
}
