import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../lambdas/config';
import { parseRetrySchedule } from '../../lambdas/domain/retry-policy';
import { ROUTES } from '../../lambdas/http/routes';
import {
  DELIVERY_BATCH_SIZE,
  deliveryFunctionTimeoutSeconds,
  deliveryMaxReceiveCount,
  ENV,
  RETRY_QUEUE_MAX_RECEIVES,
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
    const retries = parseRetrySchedule(DEFAULTS.retrySchedule).length;
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
    const [[keyId, key]] = resources(template, 'AWS::KMS::Key') as [[string, Resource]];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
  });

  it('requires IAM auth on every API method', () => {
    const methods = resources(template, 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(0);
    for (const [id, m] of methods) expect([id, m.Properties.AuthorizationType]).toEqual([id, 'AWS_IAM']);
  });

  describe('API routes', () => {
    /** `HTTPMETHOD /path` of every method, with the logical id of the function it proxies to. */
    function methodTable(): Map<string, string> {
      const all = template.toJSON().Resources as Record<string, Resource>;
      const paths = new Map<string, string>();
      const pathOf = (ref: unknown): string => {
        if ((ref as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[1] === 'RootResourceId') return '';
        const id = (ref as { Ref: string }).Ref;
        if (!paths.has(id)) {
          const r = all[id]!.Properties;
          paths.set(id, `${pathOf(r.ParentId)}/${r.PathPart}`);
        }
        return paths.get(id)!;
      };
      const table = new Map<string, string>();
      for (const [, m] of resources(template, 'AWS::ApiGateway::Method')) {
        expect(m.Properties.Integration.Type).toBe('AWS_PROXY');
        const target = JSON.stringify(m.Properties.Integration.Uri).match(
          /"Fn::GetAtt":\["(\w+)","Arn"\]/,
        )?.[1];
        table.set(`${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId) || '/'}`, target ?? '?');
      }
      return table;
    }

    it('creates a method for each ROUTES entry, proxied to the function the route names', () => {
      const methods = methodTable();
      const fnIds = {
        ingest: logicalId(stack.ingestApi.ingestFunction),
        api: logicalId(stack.ingestApi.apiFunction),
      };
      for (const route of ROUTES) {
        expect([route.operation, methods.get(`${route.method} ${route.path}`)]).toEqual([
          route.operation,
          fnIds[route.fn],
        ]);
      }
    });

    it('sends other methods and unknown paths to the api function, whose router answers 405/404', () => {
      const methods = methodTable();
      const api = logicalId(stack.ingestApi.apiFunction);
      for (const route of ROUTES) expect(methods.get(`ANY ${route.path}`)).toBe(api);
      expect(methods.get('ANY /{proxy+}')).toBe(api);
      expect(methods.get('ANY /')).toBe(api);
    });
  });

  it('throttles, traces and access-logs the API stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, LoggingLevel: 'ERROR' }),
      ]),
    });
  });

  it('runs every function on nodejs22.x, arm64, with X-Ray and the shared configuration', () => {
    const functions = resources(template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(5);
    for (const [, fn] of functions) {
      const p = fn.Properties;
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.LoggingConfig.LogGroup).toBeDefined();
      const vars = p.Environment.Variables;
      for (const name of Object.values(ENV)) expect(vars[name]).toBeDefined();
      expect(vars).toMatchObject({
        RETRY_SCHEDULE: DEFAULTS.retrySchedule,
        HEADER_BRAND: DEFAULTS.brand,
        DELIVERY_TIMEOUT: DEFAULTS.deliveryTimeout,
        RETENTION_DAYS: String(DEFAULTS.retentionDays),
        ALLOW_INSECURE_TARGETS: 'false',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
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
      'deliveryConcurrency: must be an integer from 2 to 1000, got 1',
    );
    expect(() => build({ deliveryConcurrency: 1001 })).toThrow(/^deliveryConcurrency: /);
  });

  it('rejects settings the functions would refuse at cold start, naming the prop', () => {
    expect(() => build({ headerBrand: 'Yum Kiosk' })).toThrow(/^headerBrand: /);
    expect(() => build({ deliveryTimeout: '2m' })).toThrow(/^deliveryTimeout: 2m is outside/);
    expect(() => build({ retentionDays: 0 })).toThrow(/^retentionDays: /);
    expect(() => build({ alarmEmail: 'ops' })).toThrow(/^alarmEmail: /);
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
    timeout: 120_000,
  }, () => {
    const app = new App();
    const stack = new WebhookStack(app, 'WebhookService');
    const assembly = app.synth();
    const functions = resources(Template.fromStack(stack), 'AWS::Lambda::Function');
    expect(functions).toHaveLength(5);
    for (const [, fn] of functions) {
      const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
      const bundle = join(assembly.directory, `asset.${hash}`, 'index.js');
      expect(existsSync(bundle)).toBe(true);
      expect(existsSync(`${bundle}.map`)).toBe(true);
      const loaded = createRequire(import.meta.url)(bundle) as { handler?: unknown };
      expect(typeof loaded.handler).toBe('function');
    }
  });
});
