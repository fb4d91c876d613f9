import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { newId } from './ids';
import type { Endpoint } from './model';
import type { Clock, Page, WebhookStore } from './ports';
import type { CreateEndpointInput } from './schemas';
import type { ServiceSettings } from './settings';
import { checkEndpointUrl } from './target-safety';

export interface EndpointDeps {
  readonly store: WebhookStore;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
  /** Resolves a host name to its addresses, for the registration-time target check. */
  readonly resolveHost?: (hostname: string) => Promise<string[]>;
  readonly checkResolved?: (addresses: readonly string[]) => string | undefined;
}

/** What callers see of an endpoint: never its secrets. */
export type EndpointView = Omit<Endpoint, 'secrets'>;

export function endpointView(endpoint: Endpoint): EndpointView {
  const { secrets: _secrets, ...view } = endpoint;
  return view;
}

/** `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export async function createEndpoint(
  deps: EndpointDeps,
  input: CreateEndpointInput,
): Promise<EndpointView & { secret: string }> {
  const { store, clock, settings } = deps;
  const target = checkEndpointUrl(input.url, { allowInsecure: settings.allowInsecureTargets });
  if (!target.ok) throw ValidationError.of('url', target.message);
  input.events.forEach((type, i) => {
    if (type !== '*' && !settings.catalog.has(type)) {
      throw ValidationError.of(`events.${i}`, `"${type}" is not in the event catalog (GET /v1/event-types)`);
    }
  });
  if (!settings.allowInsecureTargets && deps.resolveHost && deps.checkResolved) {
    const host = target.url.hostname.replace(/^\[|\]$/g, '');
    const reason = deps.checkResolved(await deps.resolveHost(host));
    if (reason) throw ValidationError.of('url', reason);
  }
  const existing = await store.listTenantEndpoints(input.tenantId);
  if (existing.length >= settings.maxEndpointsPerTenant) {
    throw new ConflictError(`tenant ${input.tenantId} already has ${existing.length} endpoints (the limit)`);
  }

  const now = clock.now();
  const at = new Date(now).toISOString();
  const secret = generateSecret();
  const endpoint: Endpoint = {
    id: newId('ep', now),
    tenantId: input.tenantId,
    url: target.url.toString(),
    events: [...new Set(input.events)],
    description: input.description ?? '',
    status: 'enabled',
    ordering: input.ordering ?? 'sequential',
    secrets: [{ secret }],
    createdAt: at,
    updatedAt: at,
  };
  await store.putEndpoint(endpoint);
  return { ...endpointView(endpoint), secret };
}

export async function getEndpoint(
  deps: Pick<EndpointDeps, 'store'>,
  tenantId: string,
  id: string,
): Promise<EndpointView> {
  const endpoint = await deps.store.getEndpoint(tenantId, id);
  if (!endpoint) throw new NotFoundError(`endpoint ${id} not found`);
  return endpointView(endpoint);
}

export async function listEndpoints(
  deps: Pick<EndpointDeps, 'store'>,
  tenantId: string,
  options: { limit: number; cursor?: string },
): Promise<Page<EndpointView>> {
  const page = await deps.store.listEndpoints(tenantId, options);
  return { items: page.items.map(endpointView), ...(page.cursor ? { cursor: page.cursor } : {}) };
}
