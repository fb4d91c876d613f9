import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createPublisher, signRequest } from '../../clients/publisher';
import { PORTAL_ROUTES, ROUTES } from '../../lambdas/http/routes';
import type { RestServiceApi } from '../../lib/constructs/rest-api';
import { WebhookStack, type WebhookStackProps } from '../../lib/webhook-stack';

// Each synth takes about a second alone, many more on a busy machine: room for several per test.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON; each test asserts the shape it reads.
type Resource = { Type: string; Properties: Record<string, any> };

function build(props: WebhookStackProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new WebhookStack(app, 'WebhookService', props);
  return { app, stack, template: Template.fromStack(stack) };
}

function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** CloudFormation string with intrinsics flattened (`{Ref:Id}`, `{GetAtt:Id.Attr}`). */
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

const nagViolations = (app: App) =>
  new AwsSolutionsChecks()
    .validateScope(app)
    .violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`);

describe('HTTP API (the default)', () => {
  let app: App;
  let stack: WebhookStack;
  let template: Template;
  beforeAll(() => {
    ({ app, stack, template } = build());
  });

  it('is an AWS::ApiGatewayV2::Api of protocol HTTP, and no REST API is created', () => {
    expect(stack.ingestApi.api.type).toBe('http');
    const apis = resources(template, 'AWS::ApiGatewayV2::Api');
    expect(apis).toHaveLength(1);
    expect(apis[0]![1].Properties.ProtocolType).toBe('HTTP');
    expect(resources(template, 'AWS::ApiGateway::RestApi')).toEqual([]);
    // HTTP APIs log with a service-linked role: no account-level API Gateway role.
    expect(resources(template, 'AWS::ApiGateway::Account')).toEqual([]);
  });

  it("requires IAM authorization on every route but the portal's, $default included", () => {
    const routes = resources(template, 'AWS::ApiGatewayV2::Route');
    expect(routes.length).toBe(ROUTES.length + 1 + PORTAL_ROUTES.length);
    const portal = new Set(PORTAL_ROUTES.map((r) => `${r.method} ${r.path}`));
    const owner = routes.filter(([, r]) => !portal.has(r.Properties.RouteKey));
    expect(owner).toHaveLength(ROUTES.length + 1);
    for (const [id, r] of owner) expect([id, r.Properties.AuthorizationType]).toEqual([id, 'AWS_IAM']);
  });

  it('has a route per ROUTES entry on the function it names, and $default on the api function', () => {
    const all = template.toJSON().Resources as Record<string, Resource>;
    const fnOf = (target: unknown): string => {
      const integrationId = flatten(target).match(/^integrations\/\{Ref:(\w+)\}$/)?.[1];
      const integration = all[integrationId ?? '']!.Properties;
      expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '1.0' });
      return integration.IntegrationUri['Fn::GetAtt'][0];
    };
    const table = new Map(
      resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [
        r.Properties.RouteKey as string,
        fnOf(r.Properties.Target),
      ]),
    );
    const fnIds = {
      ingest: logicalId(stack.ingestApi.ingestFunction),
      api: logicalId(stack.ingestApi.apiFunction),
    };
    for (const route of ROUTES)
      expect([route.operation, table.get(`${route.method} ${route.path}`)]).toEqual([
        route.operation,
        fnIds[route.fn],
      ]);
    // Wrong methods and unknown paths reach the api function's router (405 with Allow, 404).
    expect(table.get('$default')).toBe(fnIds.api);
  });

  it('throttles and access-logs its one $default stage (no stage segment in the URL)', () => {
    const stages = resources(template, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    expect(stages[0]![1].Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack.ingestApi.accessLogGroup), 'Arn'] },
        Format: expect.stringContaining('"requestId":"$context.requestId"'),
      },
    });
    expect(flatten(template.toJSON().Outputs.ApiUrl.Value)).toBe(
      `https://{Ref:${logicalId(stack.ingestApi.api.construct)}}.execute-api.{Ref:AWS::Region}.{Ref:AWS::URLSuffix}/`,
    );
  });

  it('alarms on the HTTP API 5xx metric', () => {
    const found = resources(template, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties.Namespace === 'AWS/ApiGateway',
    );
    expect(found).toHaveLength(1);
    expect(found[0]![1].Properties).toMatchObject({ MetricName: '5xx', Statistic: 'Sum', Threshold: 5 });
    expect(found[0]![1].Properties.Dimensions[0].Name).toBe('ApiId');
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('REST API (apiType=rest)', () => {
  let app: App;
  let stack: WebhookStack;
  let template: Template;
  beforeAll(() => {
    ({ app, stack, template } = build({ apiType: 'rest' }));
  });

  it('is a regional REST API, and no HTTP API is created', () => {
    expect(stack.ingestApi.api.type).toBe('rest');
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    expect(resources(template, 'AWS::ApiGatewayV2::Api')).toEqual([]);
  });

  it("requires IAM auth on every method but the portal's (test/cdk/portal.test.ts checks those)", () => {
    const methods = resources(template, 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(ROUTES.length);
    const byAuth = (type: string) => methods.filter(([, m]) => m.Properties.AuthorizationType === type);
    const isPublic = (r: { auth: string }) => r.auth === 'public';
    expect(byAuth('NONE')).toHaveLength(PORTAL_ROUTES.filter(isPublic).length);
    expect(byAuth('CUSTOM')).toHaveLength(PORTAL_ROUTES.filter((r) => !isPublic(r)).length);
    expect(byAuth('AWS_IAM')).toHaveLength(methods.length - byAuth('NONE').length - byAuth('CUSTOM').length);
  });

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
    for (const route of ROUTES)
      expect([route.operation, methods.get(`${route.method} ${route.path}`)]).toEqual([
        route.operation,
        fnIds[route.fn],
      ]);
  });

  it('sends other methods and unknown paths to the api function, whose router answers 405/404', () => {
    const methods = methodTable();
    const api = logicalId(stack.ingestApi.apiFunction);
    for (const route of ROUTES) expect(methods.get(`ANY ${route.path}`)).toBe(api);
    expect(methods.get('ANY /{proxy+}')).toBe(api);
    expect(methods.get('ANY /')).toBe(api);
  });

  it('throttles, traces and access-logs the prod stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, LoggingLevel: 'ERROR' }),
      ]),
    });
  });

  it('lets the example publisher invoke POST /v1/events on the prod stage only', () => {
    const arn = flatten(stack.resolve(stack.examplePublisher!.ingestRouteArn));
    const { restApi } = stack.ingestApi.api as RestServiceApi;
    const stage = logicalId(restApi.deploymentStage);
    expect(arn.endsWith(`:{Ref:${logicalId(restApi)}}/{Ref:${stage}}/POST/v1/events`)).toBe(true);
  });

  it('alarms on the REST API 5XXError metric', () => {
    const found = resources(template, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties.Namespace === 'AWS/ApiGateway',
    );
    expect(found).toHaveLength(1);
    expect(found[0]![1].Properties).toMatchObject({ MetricName: '5XXError', Threshold: 5 });
    expect(found[0]![1].Properties.Dimensions[0].Name).toBe('ApiName');
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('API settings', () => {
  it('throttles either API at apiRateLimit and apiBurstLimit, and rejects a bad apiType', () => {
    const { template } = build({ apiRateLimit: 20, apiBurstLimit: 40 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    expect(() => build({ apiType: 'websocket' as never })).toThrow(
      /^apiType: must be "http" or "rest", got "websocket"$/,
    );
    expect(() => build({ apiBurstLimit: 0 })).toThrow(/^apiBurstLimit: must be an integer from 1 to 5000/);
  });
});

describe('the SigV4 publisher against both URL shapes', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  };
  const date = new Date('2026-12-01T12:00:00Z');
  const host = 'abc123.execute-api.eu-west-1.amazonaws.com';

  /** What the publisher sends for an `apiUrl`: the URL it posts to and its Authorization header. */
  async function sent(apiUrl: string): Promise<{ url: string; authorization: string; body: string }> {
    let captured: { url: string; authorization: string; body: string } | undefined;
    const publisher = createPublisher({
      apiUrl,
      region: 'eu-west-1',
      credentials,
      now: () => date,
      fetch: (async (url: URL | string, init: RequestInit) => {
        const headers = init.headers as Record<string, string>;
        captured = { url: String(url), authorization: headers.authorization!, body: String(init.body) };
        return new Response(JSON.stringify({ id: 'evt_1', deliveries: [] }), { status: 202 });
      }) as typeof fetch,
    });
    await publisher.publish({ id: 'evt_1', tenantId: 'acme', type: 'order.created', data: {} });
    return captured!;
  }

  const signatureFor = async (url: string, body: string) =>
    (
      await signRequest({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body,
        region: 'eu-west-1',
        credentials,
        date,
      })
    ).authorization;

  it.each([
    // The stack's ApiUrl output for each API type (test above), with the tokens filled in.
    ['HTTP API $default stage', `https://${host}/`, `https://${host}/v1/events`],
    ['HTTP API, no trailing slash', `https://${host}`, `https://${host}/v1/events`],
    ['REST API prod stage', `https://${host}/prod/`, `https://${host}/prod/v1/events`],
    ['REST API, no trailing slash', `https://${host}/prod`, `https://${host}/prod/v1/events`],
  ])('%s: posts to the stage path and signs exactly that path', async (_name, apiUrl, expected) => {
    const request = await sent(apiUrl);
    expect(request.url).toBe(expected);
    expect(request.authorization).toBe(await signatureFor(expected, request.body));
    // A signature over the other shape's path would be refused by API Gateway.
    const other = expected.includes('/prod/')
      ? expected.replace('/prod', '')
      : `https://${host}/prod/v1/events`;
    expect(request.authorization).not.toBe(await signatureFor(other, request.body));
  });
});
