import { describe, expect, it } from 'vitest';
import { portalResourceArn } from '../../lambdas/domain/portal-authorize';
import { makePortalTokens } from '../../lambdas/domain/portal-token';
import { makePortalAuthorizer } from '../../lambdas/portal-authorizer/handler';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
let now = Date.parse('2026-12-02T08:00:00Z');
const clock = { now: () => now };
const key = new Uint8Array(32).fill(7);
const tokens = makePortalTokens({ key: async () => key, clock, maxTtlSeconds: 86_400 });
const other = makePortalTokens({ key: async () => new Uint8Array(32).fill(8), clock, maxTtlSeconds: 86_400 });
const authorize = makePortalAuthorizer(tokens, silent);

const routeArn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/portal/v1/endpoints';
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/portal/v1/endpoints';

describe('portal authorizer, HTTP API (simple responses)', () => {
  it('allows a good token and passes its tenant on', async () => {
    const { token } = await tokens.mint('acme', 3600);
    const out = await authorize({ type: 'REQUEST', routeArn, headers: { authorization: `Bearer ${token}` } });
    expect(out).toEqual({ isAuthorized: true, context: { tenantId: 'acme' } });
  });

  it('refuses a missing, altered, foreign or expired token', async () => {
    const { token } = await tokens.mint('acme', 60);
    const { token: foreign } = await other.mint('acme', 3600);
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      notBearer: `Basic ${token}`,
      altered: `Bearer ${token.slice(0, -2)}xx`,
      foreign: `Bearer ${foreign}`,
    };
    for (const [name, header] of Object.entries(cases)) {
      const out = await authorize({ routeArn, headers: header ? { Authorization: header } : {} });
      expect([name, out]).toEqual([name, { isAuthorized: false }]);
    }
    now += 61_000;
    expect(await authorize({ routeArn, headers: { Authorization: `Bearer ${token}` } })).toEqual({
      isAuthorized: false,
    });
  });
});

describe('portal authorizer, REST API (IAM policy)', () => {
  it('allows every portal route of the stage for a good token, so a cached answer covers them all', async () => {
    const { token } = await tokens.mint('*', 3600);
    const out = (await authorize({ methodArn, headers: { Authorization: `Bearer ${token}` } })) as {
      principalId: string;
      policyDocument: { Statement: { Effect: string; Resource: string }[] };
      context: { tenantId: string };
    };
    expect(out.principalId).toBe('portal:*');
    expect(out.context).toEqual({ tenantId: '*' });
    expect(out.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/portal/v1/*',
      },
    ]);
  });

  it("throws Unauthorized (API Gateway's 401) for a bad token", async () => {
    await expect(authorize({ methodArn, headers: { Authorization: 'Bearer nope' } })).rejects.toThrow(
      /^Unauthorized$/,
    );
  });

  it('scopes the policy to the portal routes of the same API and stage', () => {
    expect(portalResourceArn(methodArn)).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/portal/v1/*',
    );
  });
});
