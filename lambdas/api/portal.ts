/**
 * The portal side of the api function: minting tokens (an IAM route), and the `/portal/v1/...` routes,
 * each the owner operation it names run for the tenant of the request's portal token. The tenant is
 * rewritten into the request from the token (a tenant token naming another tenant is refused with 403),
 * and the owner operations key every read and write by that tenant, so an id of another tenant's endpoint
 * or delivery answers 404 and changes nothing.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotFoundError } from '../domain/errors';
import {
  bearerToken,
  DEFAULT_TTL_SECONDS,
  OPERATOR,
  type PortalClaims,
  scopedTenant,
} from '../domain/portal-token';
import { CreatePortalTokenSchema } from '../domain/schemas';
import { parseWith } from '../domain/validate';
import { json, queryParam, readJsonBody } from '../http/api';
import { PortalSessionSchema, PortalTokenSchema, shape } from '../http/responses';
import type { PortalRoute } from '../http/routes';
import { type Portal, pageResponse, scriptResponse, stylesResponse } from '../portal/page';

type Operation = (event: APIGatewayProxyEvent, id: string) => Promise<APIGatewayProxyResult>;

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * The service's own base URL as the caller reached it: API Gateway sets `X-Forwarded-Proto`; a REST
 * stage adds its name to the path (the HTTP API's `$default` stage and the local runtime add nothing).
 */
export function baseUrlOf(event: APIGatewayProxyEvent): string {
  const host = header(event, 'host') ?? event.requestContext?.domainName ?? 'localhost';
  const proto =
    header(event, 'x-forwarded-proto') ?? (/^(127\.|localhost|\[::1\])/.test(host) ? 'http' : 'https');
  const stage = event.requestContext?.stage;
  const prefix = stage && stage !== '$default' && stage !== 'local' ? `/${stage}` : '';
  return `${proto}://${host}${prefix}`;
}

function requirePortal(portal: Portal | undefined): Portal {
  if (!portal) throw new NotFoundError('The portal is not enabled on this deployment');
  return portal;
}

/** `POST /v1/portal-tokens` (owner API, IAM): a token and the page's link, signed in with it. */
export async function createPortalToken(
  portal: Portal | undefined,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const { tokens } = requirePortal(portal);
  const input = parseWith(CreatePortalTokenSchema, readJsonBody(event));
  const { token, expiresAt } = await tokens.mint(input.tenantId, input.ttlSeconds ?? DEFAULT_TTL_SECONDS);
  const url = `${baseUrlOf(event)}/portal#token=${encodeURIComponent(token)}`;
  return json(201, shape(PortalTokenSchema, { token, url, expiresAt, tenantId: input.tenantId }));
}

/** The request as the owner operation reads it, with the tenant from the token in place of the caller's. */
function scopedEvent(event: APIGatewayProxyEvent, claims: PortalClaims, owner: string): APIGatewayProxyEvent {
  if (owner === 'createEndpoint') {
    const body = readJsonBody(event);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return event;
    const named = (body as { tenantId?: unknown }).tenantId;
    const tenantId = scopedTenant(claims, typeof named === 'string' ? named : undefined);
    return { ...event, body: JSON.stringify({ ...body, tenantId }), isBase64Encoded: false };
  }
  const tenantId = scopedTenant(claims, queryParam(event, 'tenantId'));
  return {
    ...event,
    queryStringParameters: { ...event.queryStringParameters, tenantId },
    multiValueQueryStringParameters: { ...event.multiValueQueryStringParameters, tenantId: [tenantId] },
  };
}

/** Runs a portal route: the page and its assets, the session, or an owner operation for the token's tenant. */
export async function runPortalRoute(
  portal: Portal | undefined,
  route: PortalRoute,
  event: APIGatewayProxyEvent,
  id: string,
  owners: Readonly<Record<string, Operation>>,
): Promise<APIGatewayProxyResult> {
  const p = requirePortal(portal);
  if (route.operation === 'portalPage') {
    // `/portal/` would resolve the page's relative asset URLs under `/portal/portal/`: send it to
    // `/portal` (relative, so a REST stage prefix is kept; the `#token=` fragment is kept by the browser).
    if (event.path.endsWith('/'))
      return { statusCode: 308, headers: { Location: '../portal', 'Cache-Control': 'no-store' }, body: '' };
    return pageResponse(p.settings);
  }
  if (route.operation === 'portalScript') return scriptResponse(p.settings, p.assets);
  if (route.operation === 'portalStyles') return stylesResponse(p.settings, p.assets);
  const claims = await p.tokens.verify(bearerToken(header(event, 'authorization')));
  if (route.operation === 'portalSession') {
    return json(
      200,
      shape(PortalSessionSchema, {
        tenantId: claims.tenantId,
        operator: claims.tenantId === OPERATOR,
        expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
        brandName: p.settings.brandName,
      }),
    );
  }
  const operation = route.owner ? owners[route.owner] : undefined;
  if (!operation) throw new NotFoundError(`no route for ${event.path}`);
  return operation(scopedEvent(event, claims, route.owner!), id);
}
