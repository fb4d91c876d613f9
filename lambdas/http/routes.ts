/**
 * Every HTTP route, once. The CDK stack builds API Gateway resources from this table and the local
 * runtime routes with it, so both expose the same surface. `fn` names the Lambda that serves the route.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type FunctionName = 'ingest' | 'api';

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway resource path, `{name}` for path parameters. */
  readonly path: string;
  readonly fn: FunctionName;
  readonly operation: string;
}

export const ROUTES = [
  { method: 'POST', path: '/v1/events', fn: 'ingest', operation: 'publishEvent' },
  { method: 'POST', path: '/v1/events/batch', fn: 'ingest', operation: 'publishEventBatch' },
  { method: 'GET', path: '/v1/event-types', fn: 'api', operation: 'listEventTypes' },
  { method: 'POST', path: '/v1/endpoints', fn: 'api', operation: 'createEndpoint' },
  { method: 'GET', path: '/v1/endpoints', fn: 'api', operation: 'listEndpoints' },
  { method: 'GET', path: '/v1/endpoints/{id}', fn: 'api', operation: 'getEndpoint' },
  { method: 'PATCH', path: '/v1/endpoints/{id}', fn: 'api', operation: 'updateEndpoint' },
  { method: 'DELETE', path: '/v1/endpoints/{id}', fn: 'api', operation: 'deleteEndpoint' },
  { method: 'POST', path: '/v1/endpoints/{id}/rotate-secret', fn: 'api', operation: 'rotateSecret' },
  { method: 'POST', path: '/v1/endpoints/{id}/test', fn: 'api', operation: 'testEndpoint' },
  { method: 'POST', path: '/v1/endpoints/{id}/recover', fn: 'api', operation: 'recoverEndpoint' },
  { method: 'GET', path: '/v1/deliveries', fn: 'api', operation: 'listDeliveries' },
  { method: 'GET', path: '/v1/deliveries/{id}', fn: 'api', operation: 'getDelivery' },
  { method: 'POST', path: '/v1/deliveries/{id}/replay', fn: 'api', operation: 'replayDelivery' },
  { method: 'GET', path: '/v1/health', fn: 'api', operation: 'health' },
  { method: 'GET', path: '/v1/openapi.json', fn: 'api', operation: 'openapi' },
  { method: 'POST', path: '/v1/portal-tokens', fn: 'api', operation: 'createPortalToken' },
] as const satisfies readonly Route[];

/**
 * Every operation in the table. Maps keyed by it (the API handler's operations, the OpenAPI descriptions)
 * fail to compile when a route has no entry there.
 */
export type OperationId = (typeof ROUTES)[number]['operation'];
/** The operations served by one function. */
export type OperationOf<F extends FunctionName> = Extract<(typeof ROUTES)[number], { fn: F }>['operation'];

/**
 * The tenant portal's routes, served by the api function. `token` routes are the owner operation named by
 * `owner`, scoped to the tenant of the `Authorization: Bearer` portal token (a token authorizer on AWS, and
 * the function checks it again); `public` routes are the static page and its assets (no credentials: the
 * page reads its token from the link's fragment, which no server sees).
 */
export interface PortalRoute {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operation: string;
  readonly auth: 'token' | 'public';
  /** For `token` routes: the owner operation it runs, for the token's tenant. */
  readonly owner?: OwnerOperation;
}
type OwnerOperation = Extract<(typeof ROUTES)[number], { fn: 'api' }>['operation'];
/** Owner operations the portal does not offer. */
const NOT_ON_PORTAL = ['health', 'openapi', 'createPortalToken'] as const;
type PortalOwnerOperation = Exclude<OwnerOperation, (typeof NOT_ON_PORTAL)[number]>;

export const PORTAL_ROUTES = [
  { method: 'GET', path: '/portal', operation: 'portalPage', auth: 'public' },
  { method: 'GET', path: '/portal/app.js', operation: 'portalScript', auth: 'public' },
  { method: 'GET', path: '/portal/app.css', operation: 'portalStyles', auth: 'public' },
  { method: 'GET', path: '/portal/v1/session', operation: 'portalSession', auth: 'token' },
  // Every owner operation of the api function except those that are not the tenant's to call: the
  // health check, the OpenAPI document and minting tokens. Derived from ROUTES, so a new owner route
  // reaches the portal (and its OpenAPI entry) by itself.
  ...ROUTES.filter(
    (r): r is Extract<(typeof ROUTES)[number], { fn: 'api'; operation: PortalOwnerOperation }> =>
      r.fn === 'api' && !(NOT_ON_PORTAL as readonly string[]).includes(r.operation),
  ).map((r) => ({
    method: r.method,
    path: r.path.replace(/^\/v1\//, '/portal/v1/'),
    operation: `portal${r.operation[0]!.toUpperCase()}${r.operation.slice(1)}`,
    auth: 'token' as const,
    owner: r.operation,
  })),
] as const satisfies readonly PortalRoute[];

export type RouteMatch<R = Route> =
  | { readonly kind: 'route'; readonly route: R; readonly pathParameters: Record<string, string> }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'method_not_allowed'; readonly allow: HttpMethod[] };

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.replace(/\/+$/, '').split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const actual = p[i]!;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (!actual) return undefined;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (seg !== actual) return undefined;
  }
  return params;
}

/** Finds the route for a request: a match, or why none (404 unknown path, 405 known path). */
export function matchRoute<R extends Pick<Route, 'method' | 'path'> = Route>(
  method: string,
  path: string,
  routes: readonly R[] = ROUTES as unknown as readonly R[],
): RouteMatch<R> {
  const allow: HttpMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method.toUpperCase()) return { kind: 'route', route, pathParameters: params };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
}
