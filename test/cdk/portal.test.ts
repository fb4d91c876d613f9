import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PORTAL_ROUTES } from '../../lambdas/http/routes';
import { WebhookStack, type WebhookStackProps } from '../../lib/webhook-stack';

// Each synth takes about a second alone, many more on a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON; each test asserts the shape it reads.
type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function build(props: WebhookStackProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new WebhookStack(app, 'WebhookService', props);
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (c: IConstruct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);
const arr = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const resources = (t: Template, type: string) =>
  Object.entries(t.findResources(type)) as [string, Resource][];

/** Logical ids of the roles allowed `action`, with the resources they are allowed it on. */
function rolesAllowed(template: Template, action: string): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const [, p] of resources(template, 'AWS::IAM::Policy'))
    for (const s of p.Properties.PolicyDocument.Statement as Statement[])
      if (s.Effect === 'Allow' && arr(s.Action).includes(action))
        for (const role of p.Properties.Roles as { Ref: string }[])
          out.set(role.Ref, [...(out.get(role.Ref) ?? []), ...arr(s.Resource)]);
  return out;
}

function roleOf(template: Template, fn: IConstruct): string {
  const props = (template.toJSON().Resources[logicalId(fn)] as Resource).Properties;
  return props.Role['Fn::GetAtt'][0];
}

describe('tenant portal on the HTTP API (the default)', () => {
  let stack: WebhookStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = build());
  });

  it('has a KMS HMAC key that only the api function and the authorizer may derive the token key from', () => {
    const portal = stack.portal!;
    template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const allowed = rolesAllowed(template, 'kms:GenerateMac');
    expect([...allowed.keys()].sort()).toEqual(
      [roleOf(template, stack.ingestApi.apiFunction), roleOf(template, portal.authorizerFunction)].sort(),
    );
    for (const res of allowed.values())
      expect(res).toEqual([{ 'Fn::GetAtt': [logicalId(portal.key), 'Arn'] }]);
    const fns = template.toJSON().Resources as Record<string, Resource>;
    for (const fn of [stack.ingestApi.apiFunction, portal.authorizerFunction])
      expect(fns[logicalId(fn)]!.Properties.Environment.Variables.PORTAL_KEY_ID).toEqual({
        Ref: logicalId(portal.key),
      });
    // No other function can mint or check tokens.
    for (const fn of [stack.ingestApi.ingestFunction, stack.pipeline.deliveryFunction])
      expect(fns[logicalId(fn)]!.Properties.Environment.Variables.PORTAL_KEY_ID).toBeUndefined();
  });

  it('checks the token on every /portal/v1 route with a cached Lambda authorizer; the page is public', () => {
    const authorizers = resources(template, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      logicalId(stack.portal!.authorizerFunction),
    );
    const routes = new Map(
      resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties]),
    );
    for (const route of PORTAL_ROUTES) {
      const found = routes.get(`${route.method} ${route.path}`);
      expect([route.path, found?.AuthorizationType]).toEqual([
        route.path,
        route.auth === 'public' ? 'NONE' : 'CUSTOM',
      ]);
      if (route.auth === 'token') expect(found!.AuthorizerId).toEqual({ Ref: authorizerId });
    }
    expect(routes.get('GET /portal/v1/endpoints')).toBeDefined();
    expect(routes.get('POST /portal/v1/deliveries/{id}/replay')).toBeDefined();
    // Publishing and minting stay IAM-only: they are not portal routes.
    expect(routes.get('POST /portal/v1/events')).toBeUndefined();
    expect(routes.get('POST /portal/v1/portal-tokens')).toBeUndefined();
    expect(routes.get('POST /v1/portal-tokens')?.AuthorizationType).toBe('AWS_IAM');
  });

  it('outputs where to mint a portal link', () => {
    expect(template.toJSON().Outputs.PortalTokensUrl).toBeDefined();
  });
});

describe('tenant portal on the REST API', () => {
  it('uses a request authorizer on the token routes and no authorization on the page', () => {
    const { stack, template } = build({ apiType: 'rest' });
    const authorizers = resources(template, 'AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      logicalId(stack.portal!.authorizerFunction),
    );
    const methods = resources(template, 'AWS::ApiGateway::Method');
    const custom = methods.filter(([, m]) => m.Properties.AuthorizationType === 'CUSTOM');
    expect(custom).toHaveLength(PORTAL_ROUTES.filter((r) => r.auth === 'token').length);
    for (const [, m] of custom) expect(m.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    const open = methods.filter(([, m]) => m.Properties.AuthorizationType === 'NONE');
    expect(open.map(([, m]) => m.Properties.HttpMethod)).toEqual(['GET', 'GET', 'GET']);
  });
});

describe('portal: false', () => {
  it('builds no token key, no authorizer and no portal route', () => {
    const { stack, template } = build({ portal: false });
    expect(stack.portal).toBeUndefined();
    expect(template.findResources('AWS::KMS::Key', { Properties: { KeySpec: 'HMAC_256' } })).toEqual({});
    expect(resources(template, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    const keys = resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    // POST /v1/portal-tokens stays (IAM), and answers 404 "portal not enabled".
    expect(keys.filter((k: string) => k.includes(' /portal'))).toEqual([]);
    expect(rolesAllowed(template, 'kms:GenerateMac').size).toBe(0);
  });
});
