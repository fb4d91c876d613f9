/**
 * The portal's Lambda authorizer (AWS only; the local runtime checks the token in the api function).
 * One handler for both front doors: the HTTP API's simple response (payload format 2.0, `routeArn`), and
 * the REST API's request authorizer (`methodArn`), which answers with an IAM policy, or with the error
 * `Unauthorized` for API Gateway's 401. The token key is derived once per cold start from the KMS HMAC key
 * in PORTAL_KEY_ID, as the api function derives it.
 */
import { kmsDerivedKey } from '../adapters/portal-key';
import { authorizePortalRequest, portalResourceArn } from '../domain/portal-authorize';
import { makePortalTokens, type PortalTokens } from '../domain/portal-token';
import { createLog } from '../observability';
import { PORTAL_KEY_ENV } from '../settings/resources';

interface AuthorizerEvent {
  readonly type?: string;
  /** HTTP API (payload format 2.0). */
  readonly routeArn?: string;
  /** REST API request authorizer. */
  readonly methodArn?: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
}

function authorizationOf(event: AuthorizerEvent): string | undefined {
  for (const [name, value] of Object.entries(event.headers ?? {}))
    if (name.toLowerCase() === 'authorization') return value;
  return undefined;
}

export function makePortalAuthorizer(
  tokens: Pick<PortalTokens, 'verify'>,
  log = createLog('portal-authorizer'),
) {
  return async (event: AuthorizerEvent) => {
    const decision = await authorizePortalRequest(tokens, authorizationOf(event));
    if (!decision.allow) log.info('portal token refused', { reason: decision.reason });
    if (event.methodArn) {
      if (!decision.allow) throw new Error('Unauthorized');
      return {
        principalId: `portal:${decision.claims.tenantId}`,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: portalResourceArn(event.methodArn) },
          ],
        },
        context: { tenantId: decision.claims.tenantId },
      };
    }
    return decision.allow
      ? { isAuthorized: true, context: { tenantId: decision.claims.tenantId } }
      : { isAuthorized: false };
  };
}

let built: ReturnType<typeof makePortalAuthorizer> | undefined;

export const handler = (event: AuthorizerEvent) => {
  if (!built) {
    const keyId = process.env[PORTAL_KEY_ENV];
    if (!keyId) throw new Error(`${PORTAL_KEY_ENV} is not set`);
    // Verification never mints, so the longest TTL plays no part here.
    built = makePortalAuthorizer(
      makePortalTokens({
        key: kmsDerivedKey(keyId),
        clock: { now: () => Date.now() },
        maxTtlSeconds: 86_400,
      }),
    );
  }
  return built(event);
};
