import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/config';
import { METRICS_NAMESPACE } from '../../lambdas/observability';
import { settingsUsedBy } from '../../lambdas/settings/resolve';
import { SETTINGS, type ServiceFunctionName } from '../../lambdas/settings/schema';
import { SERVICE_METRICS } from '../../lib/constructs/service-metrics';
import {
  DELIVERY_BATCH_SIZE,
  deliveryFunctionTimeoutSeconds,
  deliveryMaxReceiveCount,
  ENV,
  RETRY_QUEUE_MAX_RECEIVES,
  SECRETS_KEY_ENV,
  WEBHOOK_TABLE,
} from '../../lib/resources';
import { WebhookStack, type WebhookStackProps, webhookPropsFromContext } from '../../lib/webhook-stack';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON; each test asserts the shape it reads.
type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Skips esbuild for every stack: a synth takes about a second instead of several. */
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function build(props: WebhookStackProps = {}) {
  const app = new App({ context: SKIP_BUNDLING });
  const stack = new WebhookStack(app, 'WebhookService', props);
  return { app, stack, template: Template.fromStack(stack) };
}

function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function getAttArn(value: unknown): string | undefined {
  const att = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  return att?.[1] === 'Arn' ? att[0] : undefined;
}

/** Logical id of an L2 construct's CloudFormation resource. */
function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

function arr<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The FIFO queue that has a redrive policy: the delivery queue. */
function deliveryQueue(template: Template): [string, Resource] {
  const found = resources(template, 'AWS::SQS::Queue').filter(
    ([, q]) => q.Properties.FifoQueue === true && q.Properties.RedrivePolicy,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Logical ids of the ingest, api, delivery, retry and sweeper functions, by name. */
function serviceFunctions(stack: WebhookStack): Record<ServiceFunctionName, string> {
  return {
    ingest: logicalId(stack.ingestApi.ingestFunction),
    api: logicalId(stack.ingestApi.apiFunction),
    delivery: logicalId(stack.pipeline.deliveryFunction),
    retry: logicalId(stack.pipeline.retryFunction),
    sweeper: logicalId(stack.pipeline.sweeperFunction),
  };
}

function serviceFunctionIds(stack: WebhookStack): string[] {
  return Object.values(serviceFunctions(stack));
}

/**
 * A CloudFormation string value with intrinsics flattened: `Fn::Join` joined, `Ref` as `{Ref:Id}`,
 * `Fn::GetAtt` as `{GetAtt:Id.Attribute}`, others as `{Fn::...}`. Enough to read ARNs and dashboard bodies.
 */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if (typeof v.Ref === 'string') return `{Ref:${v.Ref}}`;
  if (Array.isArray(v['Fn::GetAtt'])) return `{GetAtt:${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  return `{${Object.keys(v)[0]}}`;
}

function mappingOn(template: Template, queueId: string): Resource {
  const found = resources(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, m]) => getAttArn(m.Properties.EventSourceArn) === queueId,
  );
  expect(found).toHaveLength(1);
  return found[0]![1];
}

/** Statements of every identity policy: AWS::IAM::Policy documents and inline role policies. */
function identityStatements(template: Template): { policy: string; statement: Statement }[] {
  const out: { policy: string; statement: Statement }[] = [];
  for (const [id, p] of resources(template, 'AWS::IAM::Policy'))
    for (const s of p.Properties.PolicyDocument.Statement) out.push({ policy: id, statement: s });
  for (const [id, r] of resources(template, 'AWS::IAM::Role'))
    for (const inline of r.Properties.Policies ?? [])
      for (const s of inline.PolicyDocument.Statement) out.push({ policy: id, statement: s });
  return out;
}

/** Actions a function's role is allowed, with the resources, from its default policy. */
function allowedFor(template: Template, functionId: string): Statement[] {
  const fn = template.toJSON().Resources[functionId] as Resource;
  const roleId = getAttArn(fn.Properties.Role);
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** A queue's name as a metric dimension value, flattened. */
function queueName(queue: IConstruct): string {
  return `{GetAtt:${logicalId(queue)}.QueueName}`;
}

/** Logical ids of the queues a function's role may use an SQS action on. */
function queuesAllowed(template: Template, functionId: string, action: string): string[] {
  const ids = allowedFor(template, functionId)
    .filter((s) => arr(s.Action).includes(action))
    .flatMap((s) => arr(s.Resource).map((r) => getAttArn(r) ?? flatten(r)));
  return [...new Set(ids)].sort();
}

/** The anchors of docs/operations.md, as GitHub derives them from the headings. */
function runbookAnchors(): Set<string> {
  const text = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  return new Set(
    [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('WebhookStack with default settings', () => {
  let stack: WebhookStack;
  let template: Template;
  let app: App;
  beforeAll(() => {
    ({ app, stack, template } = build());
  });

  it('makes the delivery queue FIFO with explicit deduplication and high-throughput mode', () => {
    const [, queue] = deliveryQueue(template);
    expect(queue.Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
  });

  it('redrives the delivery queue to a FIFO DLQ after more receives than the default schedule has attempts', () => {
    const [, queue] = deliveryQueue(template);
    const retries = SETTINGS.retrySchedule.default.length;
    expect(retries).toBe(5);
    const redrive = queue.Properties.RedrivePolicy;
    expect(redrive.maxReceiveCount).toBe(deliveryMaxReceiveCount(retries));
    const dlqId = getAttArn(redrive.deadLetterTargetArn)!;
    expect(template.toJSON().Resources[dlqId].Properties.FifoQueue).toBe(true);
  });

  it('keeps delivery messages invisible for at least 6 x the delivery function timeout', () => {
    const [queueId, queue] = deliveryQueue(template);
    const functionId = mappingOn(template, queueId).Properties.FunctionName.Ref as string;
    const timeout = template.toJSON().Resources[functionId].Properties.Timeout as number;
    expect(timeout).toBe(deliveryFunctionTimeoutSeconds(10_000));
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('consumes the delivery queue in batches of 10 with partial batch responses and capped concurrency', () => {
    const [queueId] = deliveryQueue(template);
    const mapping = mappingOn(template, queueId);
    expect(mapping.Properties).toMatchObject({
      BatchSize: DELIVERY_BATCH_SIZE,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    expect(DELIVERY_BATCH_SIZE).toBe(10);
    expect(mapping.Properties.FunctionName.Ref).toBe(logicalId(stack.pipeline.deliveryFunction));
  });

  it('consumes the retry queue with partial batch responses and redrives it to its own DLQ', () => {
    const retryQueueId = logicalId(stack.queues.retryQueue);
    const queue = template.toJSON().Resources[retryQueueId] as Resource;
    expect(queue.Properties.FifoQueue).toBeUndefined();
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(RETRY_QUEUE_MAX_RECEIVES);
    const dlqId = getAttArn(queue.Properties.RedrivePolicy.deadLetterTargetArn)!;
    expect(dlqId).toBe(logicalId(stack.queues.retryDlq));
    const mapping = mappingOn(template, retryQueueId);
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.Properties.FunctionName.Ref).toBe(logicalId(stack.pipeline.retryFunction));
  });

  it('encrypts every queue with the customer managed key and denies non-TLS access', () => {
    const queues = resources(template, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(4);
    for (const [, q] of queues) expect(getAttArn(q.Properties.KmsMasterKeyId)).toBeDefined();
    for (const [id] of queues) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('builds the table keys, indexes and TTL from WEBHOOK_TABLE', () => {
    const [[, table]] = resources(template, 'AWS::DynamoDB::Table') as [[string, Resource]];
    const keySchema = (pk: { name: string }, sk: { name: string }) => [
      { AttributeName: pk.name, KeyType: 'HASH' },
      { AttributeName: sk.name, KeyType: 'RANGE' },
    ];
    const p = table.Properties;
    expect(p.KeySchema).toEqual(keySchema(WEBHOOK_TABLE.partitionKey, WEBHOOK_TABLE.sortKey));
    expect(
      p.GlobalSecondaryIndexes.map((i: { IndexName: string; KeySchema: unknown }) => [
        i.IndexName,
        i.KeySchema,
      ]),
    ).toEqual(WEBHOOK_TABLE.globalIndexes.map((i) => [i.indexName, keySchema(i.partitionKey, i.sortKey)]));
    const allKeys = [WEBHOOK_TABLE, ...WEBHOOK_TABLE.globalIndexes].flatMap((d) => [
      d.partitionKey,
      d.sortKey,
    ]);
    expect(p.AttributeDefinitions).toEqual(
      expect.arrayContaining(allKeys.map((k) => ({ AttributeName: k.name, AttributeType: k.type }))),
    );
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: WEBHOOK_TABLE.ttlAttribute, Enabled: true });
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('encrypts the table with the rotating customer managed key', () => {
    const keyId = logicalId(stack.encryptionKey);
    const key = template.toJSON().Resources[keyId] as Resource;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
  });

  it('runs every function on nodejs22.x, arm64, with X-Ray and its own log group', () => {
    const functions = resources(template, 'AWS::Lambda::Function');
    // The five service functions, the portal's authorizer, the example publisher.
    expect(functions).toHaveLength(7);
    for (const [, fn] of functions) {
      const p = fn.Properties;
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.LoggingConfig.LogGroup).toBeDefined();
    }
  });

  it('gives each service function the resource names and the settings it reads, at their defaults', () => {
    const all = template.toJSON().Resources as Record<string, Resource>;
    const fns = serviceFunctions(stack);
    expect(Object.keys(fns)).toHaveLength(5);
    for (const [fn, id] of Object.entries(fns)) {
      const vars = all[id]!.Properties.Environment.Variables;
      for (const name of Object.values(ENV)) expect(vars[name]).toBeDefined();
      const expected = Object.fromEntries(
        settingsUsedBy(fn as ServiceFunctionName).map((key) => [SETTINGS[key].env, expect.any(String)]),
      );
      // The secrets key's id goes to the two functions that seal or open secrets (secrets-key.test.ts).
      const keys = fn === 'api' || fn === 'delivery' ? [SECRETS_KEY_ENV] : [];
      expect(Object.keys(vars).sort()).toEqual(
        [
          ...Object.values(ENV),
          ...Object.keys(expected),
          ...keys,
          'NODE_OPTIONS',
          // The portal's token key (the api function mints and checks tokens).
          ...(fn === 'api' ? ['PORTAL_KEY_ID'] : []),
        ].sort(),
      );
    }
    const delivery = all[fns.delivery]!.Properties.Environment.Variables;
    expect(delivery).toMatchObject({
      RETRY_SCHEDULE: '1m,5m,30m,2h,12h',
      HEADER_BRAND: 'YumKiosk',
      DELIVERY_TIMEOUT: '10s',
      RETENTION_DAYS: '30',
      SWEEP_GRACE: '15m',
      SIGNATURE_SCHEME: 'yumkiosk',
      ENDPOINT_CACHE_TTL: '5s',
      ALLOW_INSECURE_TARGETS: 'false',
      NODE_OPTIONS: '--enable-source-maps',
    });
    // The catalog travels inside the ingest and api bundles; the variable holds its path.
    expect(all[fns.api]!.Properties.Environment.Variables.EVENT_CATALOG).toBe('/var/task/event-catalog.json');
  });

  it('runs the sweeper every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.pipeline.sweeperFunction), 'Arn'] } }),
      ],
    });
  });

  it('grants no wildcard action, and resource "*" only for the X-Ray calls that require it', () => {
    const xray = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    const statements = identityStatements(template);
    expect(statements.length).toBeGreaterThan(0);
    for (const { policy, statement } of statements) {
      const actions = arr(statement.Action);
      expect({ policy, actions }).not.toEqual({ policy, actions: expect.arrayContaining(['*']) });
      if (arr(statement.Resource).includes('*'))
        expect({ policy, actions: actions.filter((a) => !xray.has(a)) }).toEqual({ policy, actions: [] });
    }
  });

  it('gives each function only the data access its handler uses', () => {
    const ids = {
      retry: logicalId(stack.pipeline.retryFunction),
      ingest: logicalId(stack.ingestApi.ingestFunction),
    };
    // The retry function only moves messages between queues.
    const retryActions = allowedFor(template, ids.retry).flatMap((s) => arr(s.Action));
    expect(retryActions.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    // Ingest may only send to the delivery queue.
    const sendTargets = allowedFor(template, ids.ingest)
      .filter((s) => arr(s.Action).includes('sqs:SendMessage'))
      .flatMap((s) => arr(s.Resource).map(getAttArn));
    expect(sendTargets).toEqual([logicalId(stack.queues.deliveryQueue)]);
  });

  describe('queue permissions, function by function', () => {
    const q = () => ({
      delivery: logicalId(stack.queues.deliveryQueue),
      deliveryDlq: logicalId(stack.queues.deliveryDlq),
      retry: logicalId(stack.queues.retryQueue),
      retryDlq: logicalId(stack.queues.retryDlq),
    });
    const sorted = (...ids: string[]) => [...ids].sort();

    it('lets the api function send only to the delivery queue (replay, recover) and read every depth (health)', () => {
      const api = logicalId(stack.ingestApi.apiFunction);
      expect(queuesAllowed(template, api, 'sqs:SendMessage')).toEqual([q().delivery]);
      expect(queuesAllowed(template, api, 'sqs:GetQueueAttributes')).toEqual(
        sorted(q().delivery, q().deliveryDlq, q().retry, q().retryDlq),
      );
      // The endpoint test route only makes an outbound HTTP request: nothing to receive or delete.
      const actions = allowedFor(template, api).flatMap((s) => arr(s.Action));
      expect(actions.filter((a) => /^sqs:(Receive|Delete|Purge|ChangeMessageVisibility)/.test(a))).toEqual(
        [],
      );
    });

    it('lets the delivery function send to the retry queue, the delivery DLQ and (operational events) the delivery queue, and hold delivery messages', () => {
      const delivery = logicalId(stack.pipeline.deliveryFunction);
      expect(queuesAllowed(template, delivery, 'sqs:SendMessage')).toEqual(
        sorted(q().retry, q().deliveryDlq, q().delivery),
      );
      expect(queuesAllowed(template, delivery, 'sqs:ChangeMessageVisibility')).toEqual([q().delivery]);
      expect(queuesAllowed(template, delivery, 'sqs:ReceiveMessage')).toEqual([q().delivery]);
      expect(queuesAllowed(template, delivery, 'sqs:DeleteMessage')).toEqual([q().delivery]);
    });

    it('lets the sweeper send to the delivery and retry queues only', () => {
      const sweeper = logicalId(stack.pipeline.sweeperFunction);
      expect(queuesAllowed(template, sweeper, 'sqs:SendMessage')).toEqual(sorted(q().delivery, q().retry));
      expect(queuesAllowed(template, sweeper, 'sqs:ReceiveMessage')).toEqual([]);
    });

    it('lets the retry function consume the retry queue and send to it and to the delivery queue', () => {
      const retry = logicalId(stack.pipeline.retryFunction);
      expect(queuesAllowed(template, retry, 'sqs:SendMessage')).toEqual(sorted(q().delivery, q().retry));
      expect(queuesAllowed(template, retry, 'sqs:ReceiveMessage')).toEqual([q().retry]);
    });
  });

  describe('example publisher', () => {
    it('may invoke POST /v1/events on the deployed stage and nothing else', () => {
      const fnId = logicalId(stack.examplePublisher!.function);
      const statements = allowedFor(template, fnId);
      const invoke = statements.filter((s) => arr(s.Action).some((a) => a.startsWith('execute-api:')));
      expect(invoke).toHaveLength(1);
      expect(arr(invoke[0]!.Action)).toEqual(['execute-api:Invoke']);
      const [resource, ...others] = arr(invoke[0]!.Resource).map(flatten);
      expect(others).toEqual([]);
      const api = logicalId(stack.ingestApi.api.construct);
      expect(resource).toMatch(/^arn:\{Ref:AWS::Partition\}:execute-api:/);
      // The HTTP API's one stage is `$default`, which is also the stage segment of its ARNs.
      expect(resource!.endsWith(`:{Ref:${api}}/$default/POST/v1/events`)).toBe(true);

      const actions = statements.flatMap((s) => arr(s.Action));
      expect(actions.filter((a) => /^(dynamodb|sqs|kms|sns|lambda):/.test(a))).toEqual([]);
      // Besides the invoke: its own log stream and X-Ray, as every function.
      expect(new Set(actions)).toEqual(
        new Set([
          'execute-api:Invoke',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
        ]),
      );
      // No other role in the stack may invoke the API.
      const elsewhere = identityStatements(template).filter(({ statement }) =>
        arr(statement.Action).some((a) => a.startsWith('execute-api:')),
      );
      expect(elsewhere).toHaveLength(1);
    });

    it('publishes to the stage URL and none of the service configuration', () => {
      const fn = template.toJSON().Resources[logicalId(stack.examplePublisher!.function)] as Resource;
      const vars = fn.Properties.Environment.Variables;
      expect(Object.keys(vars).sort()).toEqual(['NODE_OPTIONS', 'WEBHOOK_API_URL']);
      expect(flatten(vars.WEBHOOK_API_URL)).toContain(
        `https://{Ref:${logicalId(stack.ingestApi.api.construct)}}.execute-api.`,
      );
    });
  });

  describe('alarms', () => {
    type Alarm = { id: string; p: Resource['Properties'] };
    const alarms = (): Alarm[] =>
      resources(template, 'AWS::CloudWatch::Alarm').map(([id, a]) => ({ id, p: a.Properties }));
    /** Alarms on a metric with one dimension, whose value is given flattened (see `flatten`). */
    const alarmOn = (metricName: string, [name, value]: [string, string]): Alarm[] =>
      alarms().filter(
        ({ p }) =>
          p.MetricName === metricName &&
          p.Dimensions?.length === 1 &&
          p.Dimensions[0].Name === name &&
          flatten(p.Dimensions[0].Value) === value,
      );

    it('sends every alarm to the one topic, described with a link to its runbook section', () => {
      const topic = logicalId(stack.alarms.topic);
      const anchors = runbookAnchors();
      expect(alarms()).toHaveLength(18);
      for (const { id, p } of alarms()) {
        expect([id, p.AlarmActions]).toEqual([id, [{ Ref: topic }]]);
        const section = String(p.AlarmDescription).match(/Runbook: docs\/operations\.md#([a-z0-9-]+)$/)?.[1];
        expect([id, section !== undefined && anchors.has(section)]).toEqual([id, true]);
      }
    });

    it("alarms on any final delivery failure, from the functions' own DeliveryFailed metric", () => {
      expect(SERVICE_METRICS.namespace).toBe(METRICS_NAMESPACE);
      const [alarm, ...more] = alarmOn('DeliveryFailed', ['service', 'webhooks']);
      expect(more).toEqual([]);
      expect(alarm!.p).toMatchObject({
        Namespace: 'WebhookService',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('alarms when the oldest delivery message is as old as the sweeper grace', () => {
      const [alarm, ...more] = alarmOn('ApproximateAgeOfOldestMessage', [
        'QueueName',
        queueName(stack.queues.deliveryQueue),
      ]);
      expect(more).toEqual([]);
      expect(alarm!.p).toMatchObject({
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: 900,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(alarm!.p.Threshold * 1000).toBe(stack.settings.sweepGrace);
    });

    it('alarms on any message in either DLQ', () => {
      for (const dlq of [stack.queues.deliveryDlq, stack.queues.retryDlq]) {
        const [alarm, ...more] = alarmOn('ApproximateNumberOfMessagesVisible', ['QueueName', queueName(dlq)]);
        expect(more).toEqual([]);
        expect(alarm!.p).toMatchObject({
          Statistic: 'Maximum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
    });

    it('alarms on errors and on throttles of each service function', () => {
      for (const id of serviceFunctionIds(stack)) {
        for (const metric of ['Errors', 'Throttles']) {
          const found = alarmOn(metric, ['FunctionName', `{Ref:${id}}`]);
          expect([id, metric, found.length]).toEqual([id, metric, 1]);
          expect(found[0]!.p).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1 });
        }
      }
    });

    it('alarms on API 5xx answers', () => {
      // The HTTP API's metric is `5xx` by ApiId (the REST API's, `5XXError` by ApiName: test/cdk/api.test.ts).
      const found = alarms().filter(({ p }) => p.MetricName === '5xx' && p.Namespace === 'AWS/ApiGateway');
      expect(found).toHaveLength(1);
      expect(found[0]!.p).toMatchObject({ Statistic: 'Sum', Threshold: 5 });
    });
  });

  it('shows every signal on one dashboard', () => {
    const dashboards = resources(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = flatten(dashboards[0]![1].Properties.DashboardBody);
    const has = (...parts: string[]) =>
      expect([parts, body.includes(parts.join('","'))]).toEqual([parts, true]);
    for (const name of [
      'EventsPublished',
      'DeliveriesCreated',
      'DeliverySucceeded',
      'DeliveryFailed',
      'RetryScheduled',
    ])
      has('WebhookService', name, 'service', 'webhooks');
    expect(body).toMatch(/"AttemptDuration","service","webhooks",\{[^}]*"stat":"p50"/);
    expect(body).toMatch(/"AttemptDuration","service","webhooks",\{[^}]*"stat":"p99"/);
    expect(body).toMatch(/"PublishToDeliveryLatency","service","webhooks",\{[^}]*"stat":"p99"/);
    for (const queue of stack.queues.all)
      has('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queueName(queue));
    has('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', queueName(stack.queues.deliveryQueue));
    for (const metric of ['Errors', 'Throttles', 'Duration'])
      expect(body.match(new RegExp(`"AWS/Lambda","${metric}","FunctionName"`, 'g'))).toHaveLength(7);
    for (const metric of ['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency'])
      expect(body).toContain(`"AWS/ApiGateway","${metric}","ApiId"`);
    // The alarm row shows every alarm.
    for (const alarm of stack.alarms.alarms)
      expect(JSON.stringify(dashboards[0]![1].Properties)).toContain(logicalId(alarm));
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
  });
});

describe('WebhookStack settings', () => {
  it('sizes the delivery queue and function from a custom schedule and timeout', () => {
    const { template } = build({ retrySchedule: '1m,5m', deliveryTimeout: '30s', deliveryConcurrency: 50 });
    const [queueId, queue] = deliveryQueue(template);
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(deliveryMaxReceiveCount(2));
    const mapping = mappingOn(template, queueId);
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 50 });
    const fn = template.toJSON().Resources[mapping.Properties.FunctionName.Ref].Properties;
    expect(fn.Timeout).toBe(deliveryFunctionTimeoutSeconds(30_000));
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
    expect(fn.Environment.Variables.RETRY_SCHEDULE).toBe('1m,5m');
  });

  it('rejects a bad retrySchedule at synth time', () => {
    expect(() => build({ retrySchedule: '1m,soon' })).toThrow(/^retrySchedule: "soon" is not a duration/);
    expect(() => build({ retrySchedule: '1m,13h' })).toThrow(
      /^retrySchedule: "13h" is longer than the 12h maximum/,
    );
  });

  it('rejects a deliveryConcurrency outside 2..1000 at synth time', () => {
    expect(() => build({ deliveryConcurrency: 1 })).toThrow(
      /^deliveryConcurrency: must be an integer from 2 to 1000, got 1$/,
    );
    expect(() => build({ deliveryConcurrency: 1001 })).toThrow(/^deliveryConcurrency: /);
  });

  it('rejects settings the functions would refuse at cold start, naming the prop', () => {
    expect(() => build({ headerBrand: 'Yum Kiosk' })).toThrow(/^headerBrand: /);
    expect(() => build({ deliveryTimeout: '2m' })).toThrow(
      /^deliveryTimeout: must be a duration from 100ms to 1m \(e\.g\. 10s, 5m\), got "2m"$/,
    );
    expect(() => build({ retentionDays: 0 })).toThrow(/^retentionDays: /);
    expect(() => build({ alarmEmail: 'ops' })).toThrow(/^alarmEmail: /);
  });

  it('signs with the configured signatureScheme, and rejects an unknown one naming the prop', () => {
    const { template, stack } = build({ signatureScheme: 'standard-webhooks' });
    const all = template.toJSON().Resources as Record<string, Resource>;
    const fns = serviceFunctions(stack);
    for (const fn of ['api', 'delivery'] as const)
      expect(all[fns[fn]]!.Properties.Environment.Variables.SIGNATURE_SCHEME).toBe('standard-webhooks');
    // The functions that do not sign do not get it.
    for (const fn of ['ingest', 'retry', 'sweeper'] as const)
      expect(all[fns[fn]]!.Properties.Environment.Variables.SIGNATURE_SCHEME).toBeUndefined();
    expect(() => build({ signatureScheme: 'hmac' as never })).toThrow(
      /^signatureScheme: must be "yumkiosk" or "standard-webhooks", got "hmac"$/,
    );
  });

  it('sets the delivery failures alarm to deliveryFailureThreshold, and rejects one below 1', () => {
    const { template } = build({ deliveryFailureThreshold: 25 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DeliveryFailed', Threshold: 25 });
    expect(() => build({ deliveryFailureThreshold: 0 })).toThrow(
      /^deliveryFailureThreshold: must be an integer from 1 to 10000, got 0$/,
    );
    expect(() => build({ deliveryFailureThreshold: 1.5 })).toThrow(/^deliveryFailureThreshold: /);
  });

  it('leaves the example publisher out when examplePublisher is false', () => {
    const { template, stack } = build({ examplePublisher: false });
    expect(stack.examplePublisher).toBeUndefined();
    expect(resources(template, 'AWS::Lambda::Function')).toHaveLength(6);
    const invoke = identityStatements(template).filter(({ statement }) =>
      arr(statement.Action).some((a) => a.startsWith('execute-api:')),
    );
    expect(invoke).toEqual([]);
    expect(template.toJSON().Outputs.ExamplePublisherFunctionName).toBeUndefined();
  });

  it('subscribes alarmEmail to the alarm topic', () => {
    const { template } = build({ alarmEmail: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('webhookPropsFromContext', () => {
  const fromContext = (context: Record<string, unknown>) =>
    webhookPropsFromContext(new App({ context }).node);

  it('reads string and numeric context values', () => {
    expect(
      fromContext({
        retrySchedule: '1m,10m',
        deliveryConcurrency: '5',
        retentionDays: 7,
        headerBrand: 'Acme',
      }),
    ).toEqual({ retrySchedule: '1m,10m', deliveryConcurrency: 5, retentionDays: 7, headerBrand: 'Acme' });
  });

  it('reads signatureScheme, deliveryFailureThreshold and examplePublisher as `cdk deploy -c` passes them', () => {
    expect(
      fromContext({
        signatureScheme: 'standard-webhooks',
        deliveryFailureThreshold: '10',
        examplePublisher: 'false',
        alarmEmail: 'oncall@example.com',
      }),
    ).toEqual({
      signatureScheme: 'standard-webhooks',
      deliveryFailureThreshold: 10,
      examplePublisher: false,
      alarmEmail: 'oncall@example.com',
    });
    expect(fromContext({ examplePublisher: true })).toEqual({ examplePublisher: true });
    expect(() => fromContext({ examplePublisher: 'no' })).toThrow(/^examplePublisher: .*true or false/);
    // The value itself is checked when the stack is built, with the prop's name.
    expect(() => new WebhookStack(new App(), 'S', fromContext({ signatureScheme: 'v2' }))).toThrow(
      /^signatureScheme: /,
    );
  });

  it('names the context key of a value of the wrong type', () => {
    expect(() => fromContext({ deliveryConcurrency: 'many' })).toThrow(/^deliveryConcurrency: .*integer/);
    expect(() => fromContext({ retentionDays: '7.5' })).toThrow(/^retentionDays: /);
  });

  it('refuses allowInsecureTargets: deployed functions never deliver to private or plain-HTTP targets', () => {
    expect(() => fromContext({ allowInsecureTargets: 'true' })).toThrow(/^allowInsecureTargets: /);
  });
});

describe('bundling', () => {
  it('bundles every handler offline with esbuild into a loadable CommonJS asset', {
    timeout: 240_000,
  }, () => {
    // A catalog over Lambda's 4 KB environment limit: it travels inside the ingest and api bundles.
    const catalog = Array.from({ length: 80 }, (_, i) => ({
      type: `thing.happened_${i}`,
      description: `Event number ${i}: something happened that a receiver may care about.`,
    }));
    expect(JSON.stringify(catalog).length).toBeGreaterThan(4096);
    const app = new App();
    const stack = new WebhookStack(app, 'WebhookService', { eventCatalog: catalog });
    const assembly = app.synth();
    const template = Template.fromStack(stack);
    const functions = resources(template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(7);
    for (const [, fn] of functions) {
      const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
      const bundle = join(assembly.directory, `asset.${hash}`, 'index.js');
      expect(existsSync(bundle)).toBe(true);
      expect(existsSync(`${bundle}.map`)).toBe(true);
      // Load it as Lambda would: in a fresh Node, with the AWS SDK provided from outside the bundle (the
      // runtime ships it; here the project's node_modules stands in), and nothing else.
      const out = execFileSync(
        process.execPath,
        ['-e', `const m = require(${JSON.stringify(bundle)}); process.stdout.write(typeof m.handler);`],
        { env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') }, encoding: 'utf8' },
      );
      expect(out).toBe('function');
      // The SDK is not bundled (the runtime's copy is used), which keeps each bundle small.
      expect(readFileSync(bundle).length).toBeLessThan(400 * 1024);
    }
    const assetOf = (fn: IConstruct) => {
      const code = (template.toJSON().Resources[logicalId(fn)] as Resource).Properties.Code;
      return join(assembly.directory, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
    };
    for (const fn of [stack.ingestApi.ingestFunction, stack.ingestApi.apiFunction]) {
      const file = join(assetOf(fn), 'event-catalog.json');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(catalog);
      // Read as the function reads it at cold start (from /var/task there): through loadConfig.
      const config = loadConfig({
        TABLE_NAME: 'webhooks',
        DELIVERY_QUEUE_URL: 'q',
        DELIVERY_DLQ_URL: 'q',
        RETRY_QUEUE_URL: 'q',
        EVENT_CATALOG: file,
      });
      expect(config.settings.catalog.entries).toEqual(catalog);
    }
    expect(existsSync(join(assetOf(stack.pipeline.deliveryFunction), 'event-catalog.json'))).toBe(false);
    // The portal page's script and stylesheet, built at synth, travel in the api bundle only.
    const script = readFileSync(join(assetOf(stack.ingestApi.apiFunction), 'portal-app.js'), 'utf8');
    expect(script).toContain('portal/v1');
    expect(readFileSync(join(assetOf(stack.ingestApi.apiFunction), 'portal-app.css'), 'utf8')).toMatch(/\{/);
    expect(existsSync(join(assetOf(stack.ingestApi.ingestFunction), 'portal-app.js'))).toBe(false);
  });
});
