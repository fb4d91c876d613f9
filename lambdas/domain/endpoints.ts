import { randomBytes } from 'node:crypto';
import { checkCustomHeaders, maskSecretHeaders } from './custom-headers';
import { outwaitFanoutCache } from './endpoint-cache';
import { serializeEnvelope } from './envelope';
import { ConflictError, DependencyUnavailableError, NotFoundError, ValidationError } from './errors';
import { parseFilter } from './filter';
import { newId } from './ids';
import { nextAttemptMessage } from './messages';
import { type Endpoint, newDelivery, type StoredEvent, type StoredSecret } from './model';
import {
  emitOperational,
  endpointDisabledEvent,
  endpointEnabledEvent,
  OPERATIONAL_TYPES,
  type OperationalDeps,
  operationalTenantOf,
  subscribableType,
} from './operational';
import type {
  Clock,
  DeliveryQueues,
  DeliveryStore,
  EventStore,
  Page,
  SecretSealer,
  WebhookStore,
} from './ports';
import { releaseHeld } from './recover';
import type { CreateEndpointWithSecretInput, RotateSecretInput, UpdateEndpointInput } from './schemas';
import { bindingOf, sealLegacySecrets, sealSecret } from './secrets';
import type { ServiceSettings } from './settings';
import { schemeOf } from './signing';
import { checkEndpointUrl } from './target-safety';

export interface EndpointDeps {
  readonly store: WebhookStore;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
  /** Sends the deliveries held while an endpoint was disabled, once it is enabled. */
  readonly queues: Pick<DeliveryQueues, 'enqueue'>;
  /** Where `endpoint.enabled` and `endpoint.disabled` go (the service always passes it). */
  readonly operational?: OperationalDeps;
  /** Seals every secret before it is stored: the API never writes one in clear. */
  readonly secrets: SecretSealer;
  /** Resolves a host name to its addresses, for the registration-time target check (required: no opt-out). */
  readonly resolveHost: (hostname: string) => Promise<string[]>;
  readonly checkResolved: (addresses: readonly string[]) => string | undefined;
  /** How the API waits out the fan-out cache (`outwaitFanoutCache`); a timer unless a test passes one. */
  readonly wait?: (ms: number) => Promise<void>;
}

/** After a change fan-out depends on: answer only once no publish can fan out from the old list. */
function outwait(deps: Pick<EndpointDeps, 'settings' | 'wait'>): Promise<void> {
  return outwaitFanoutCache(deps.settings.fanoutCacheTtlMs ?? 0, deps.wait);
}

/** What callers see of an endpoint: never its secrets. */
export type EndpointView = Omit<Endpoint, 'secrets'>;

export function endpointView(endpoint: Endpoint): EndpointView {
  const { secrets: _secrets, ...view } = endpoint;
  return view.headers ? { ...view, headers: maskSecretHeaders(view.headers) } : view;
}

/** Custom headers and filter as given (checked); `{}` and `null` remove them. */
function extras(
  settings: ServiceSettings,
  input: { headers?: Record<string, string>; filter?: unknown; rateLimit?: number | null },
) {
  return {
    ...(typeof input.rateLimit === 'number' ? { rateLimit: input.rateLimit } : {}),
    ...(input.headers !== undefined && Object.keys(input.headers).length > 0
      ? { headers: checkCustomHeaders(input.headers, settings) }
      : {}),
    ...(input.filter !== undefined && input.filter !== null ? { filter: parseFilter(input.filter) } : {}),
  };
}

/** The reason recorded when an owner disables an endpoint through the API. */
export const DISABLED_BY_API = 'disabled through the API';

/** `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** URL rules (HTTPS, public address, also after DNS resolution); returns the normalized URL. */
async function checkTarget(deps: EndpointDeps, raw: string): Promise<string> {
  const target = checkEndpointUrl(raw, { allowInsecure: deps.settings.allowInsecureTargets });
  if (!target.ok) throw ValidationError.of('url', target.message);
  if (!deps.settings.allowInsecureTargets) {
    const host = target.url.hostname.replace(/^\[|\]$/g, '');
    const reason = deps.checkResolved(await deps.resolveHost(host));
    if (reason) throw ValidationError.of('url', reason);
  }
  return target.url.toString();
}

function checkEventTypes(settings: ServiceSettings, tenantId: string, events: readonly string[]): string[] {
  const operational = tenantId === operationalTenantOf(settings);
  events.forEach((type, i) => {
    if (type !== '*' && !subscribableType(settings, tenantId, type)) {
      throw ValidationError.of(
        `events.${i}`,
        operational
          ? `"${type}" is not an operational event type (${OPERATIONAL_TYPES.map((t) => t.type).join(', ')}): the operational tenant receives only those`
          : `"${type}" is not in the event catalog (GET /v1/event-types)`,
      );
    }
  });
  return [...new Set(events)];
}

export async function createEndpoint(
  deps: EndpointDeps,
  input: CreateEndpointWithSecretInput,
): Promise<EndpointView & { secret: string }> {
  const { store, clock, settings } = deps;
  const events = checkEventTypes(settings, input.tenantId, input.events);
  const url = await checkTarget(deps, input.url);
  const unusable =
    input.secret !== undefined ? schemeOf(settings.signatureScheme).checkSecret?.(input.secret) : undefined;
  if (unusable) throw ValidationError.of('secret', unusable);
  const now = clock.now();
  const at = new Date(now).toISOString();
  const secret = input.secret ?? generateSecret();
  const id = newId('ep', now);
  const endpoint: Endpoint = {
    id,
    tenantId: input.tenantId,
    url,
    events,
    description: input.description ?? '',
    status: 'enabled',
    ordering: input.ordering ?? 'sequential',
    ...extras(settings, input),
    secrets: [await sealSecret(deps.secrets, { tenantId: input.tenantId, endpointId: id }, secret)],
    createdAt: at,
    updatedAt: at,
  };
  if ((await store.createEndpoint(endpoint, settings.maxEndpointsPerTenant)) === 'limit_reached') {
    throw new ConflictError(
      `tenant ${input.tenantId} already has ${settings.maxEndpointsPerTenant} endpoints (the limit)`,
    );
  }
  await outwait(deps);
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

async function mustGet(store: WebhookStore, tenantId: string, id: string): Promise<Endpoint> {
  const endpoint = await store.getEndpoint(tenantId, id);
  if (!endpoint) throw new NotFoundError(`endpoint ${id} not found`);
  return endpoint;
}

/** Applies a partial change; 409 if the endpoint changed since it was read (a concurrent update). */
export async function updateEndpoint(
  deps: EndpointDeps,
  tenantId: string,
  id: string,
  input: UpdateEndpointInput,
): Promise<EndpointView> {
  const current = await mustGet(deps.store, tenantId, id);
  const {
    headers: _h,
    filter: _f,
    rateLimit: _l,
    disabledAt: _a,
    disabledReason: _r,
    failingSince,
    ...rest
  } = current;
  const keep = {
    ...(input.rateLimit === undefined && current.rateLimit ? { rateLimit: current.rateLimit } : {}),
    ...(input.headers === undefined && current.headers ? { headers: current.headers } : {}),
    ...(input.filter === undefined && current.filter ? { filter: current.filter } : {}),
  };
  const status = input.status ?? current.status;
  // Enabling starts afresh: the failure streak that may have disabled it is over.
  const streak =
    failingSince && !(current.status === 'disabled' && status === 'enabled') ? { failingSince } : {};
  const disabled =
    status === 'enabled'
      ? {}
      : current.status === 'disabled' && current.disabledAt
        ? { disabledAt: current.disabledAt, disabledReason: current.disabledReason ?? DISABLED_BY_API }
        : { disabledAt: new Date(deps.clock.now()).toISOString(), disabledReason: DISABLED_BY_API };
  const next: Endpoint = {
    ...rest,
    // A write through the API is where a secret still in clear gets sealed.
    secrets: await sealLegacySecrets(deps.secrets, bindingOf(current), current.secrets),
    ...keep,
    ...streak,
    ...extras(deps.settings, input),
    ...disabled,
    ...(input.url !== undefined ? { url: await checkTarget(deps, input.url) } : {}),
    ...(input.events !== undefined ? { events: checkEventTypes(deps.settings, tenantId, input.events) } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(input.ordering !== undefined ? { ordering: input.ordering } : {}),
    updatedAt: new Date(Math.max(deps.clock.now(), Date.parse(current.updatedAt) + 1)).toISOString(),
  };
  if (!(await deps.store.updateEndpoint(next, current.updatedAt))) {
    throw new ConflictError(`endpoint ${id} was changed by another request; read it again and retry`);
  }
  // Before held deliveries are released too: a publish fanning out from a list that still says disabled
  // holds its delivery, and the release must come after the last such hold.
  if (input.events !== undefined || input.filter !== undefined || current.status !== next.status) {
    await outwait(deps);
  }
  if (current.status !== next.status) await afterStatusChange(deps, current, next);
  return endpointView(next);
}

export async function deleteEndpoint(
  deps: Pick<EndpointDeps, 'store' | 'settings' | 'wait'>,
  tenantId: string,
  id: string,
): Promise<void> {
  if (!(await deps.store.deleteEndpoint(tenantId, id))) throw new NotFoundError(`endpoint ${id} not found`);
  await outwait(deps);
}

/** At most this many secrets sign at once (the current one and those still in their grace period). */
const MAX_SECRETS = 10;

/**
 * Issues a new secret. The current one keeps signing for `expireCurrentInSeconds` (default one day), so
 * every delivery in that window carries one `v1=` per valid secret and receivers switch without downtime.
 * Older secrets still in their grace keep theirs. With `expireAllPrevious`, every previous secret (the
 * current one and those in grace) stops signing now: the rotation to make after a leak.
 */
export async function rotateSecret(
  deps: EndpointDeps,
  tenantId: string,
  id: string,
  options: RotateSecretInput = {},
): Promise<{ secret: string; previousExpiresAt: string }> {
  const current = await mustGet(deps.store, tenantId, id);
  const now = deps.clock.now();
  const expiresAt = options.expireAllPrevious ? now : now + (options.expireCurrentInSeconds ?? 86_400) * 1000;
  const secret = generateSecret();
  const kept: StoredSecret[] = options.expireAllPrevious
    ? []
    : current.secrets
        .map((s) => (s.expiresAt === undefined ? { ...s, expiresAt } : s))
        .filter((s) => s.expiresAt !== undefined && s.expiresAt > now)
        .slice(-(MAX_SECRETS - 1));
  // Sealed values are kept as they are (no need to open them); one still in clear is sealed now.
  const binding = bindingOf(current);
  const next: Endpoint = {
    ...current,
    secrets: [
      ...(await sealLegacySecrets(deps.secrets, binding, kept)),
      await sealSecret(deps.secrets, binding, secret),
    ],
    updatedAt: new Date(Math.max(now, Date.parse(current.updatedAt) + 1)).toISOString(),
  };
  if (!(await deps.store.updateEndpoint(next, current.updatedAt))) {
    throw new ConflictError(`endpoint ${id} was changed by another request; retry the rotation`);
  }
  return { secret, previousExpiresAt: new Date(expiresAt).toISOString() };
}

export interface TestQueued {
  readonly deliveryId: string;
  readonly eventId: string;
}

/**
 * Queues a signed `ping` event (as GitHub sends on creation) as a delivery in the endpoint's own FIFO
 * group, behind whatever it already has, so it never overlaps a delivery in flight. It is attempted once
 * (no retries), its request and outcome are in the deliveries log (`GET /v1/deliveries/{deliveryId}`), and
 * only enabled endpoints get one: a ping is no way to reach a URL the service is not delivering to.
 */
export async function testEndpoint(
  deps: EndpointDeps & {
    store: Pick<DeliveryStore, 'createDelivery'> & Pick<EventStore, 'putEvent'>;
    queues: Pick<DeliveryQueues, 'enqueue'>;
  },
  tenantId: string,
  id: string,
): Promise<TestQueued> {
  const endpoint = await mustGet(deps.store, tenantId, id);
  if (endpoint.status !== 'enabled') throw new ConflictError(`endpoint ${id} is disabled; enable it first`);
  const now = deps.clock.now();
  const eventId = newId('evt', now);
  const createdAt = new Date(now).toISOString();
  const delivery = newDelivery({ tenantId, eventId, eventType: PING_TYPE, endpointId: endpoint.id }, now);
  const event: StoredEvent = {
    id: eventId,
    tenantId,
    type: PING_TYPE,
    body: serializeEnvelope({
      id: eventId,
      type: PING_TYPE,
      createdAt,
      data: { endpointId: endpoint.id, message: 'Test event from the webhook service' },
    }),
    createdAt,
    deliveries: [{ id: delivery.id, endpointId: endpoint.id }],
  };
  await deps.store.putEvent(event);
  await deps.store.createDelivery(delivery, now + deps.settings.sweepGraceMs);
  await deps.queues.enqueue([
    { ...nextAttemptMessage(delivery, endpoint.ordering, event), noRetry: true, recorded: true },
  ]);
  return { deliveryId: delivery.id, eventId };
}

/** The type of the test event (not in the catalog: only the test route sends it). */
export const PING_TYPE = 'ping';

/**
 * After an owner enabled or disabled an endpoint: the operational event, and on enabling, the deliveries
 * held while it was disabled, sent in publish order before the call answers.
 */
async function afterStatusChange(deps: EndpointDeps, before: Endpoint, after: Endpoint): Promise<void> {
  if (after.status === 'enabled') {
    const disabledAt = before.disabledAt ?? before.updatedAt;
    try {
      await releaseHeld(deps, after, Date.parse(disabledAt));
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      // Say how to send what is still held.
      throw new DependencyUnavailableError(error.dependency, {
        cause: error,
        detail:
          `endpoint ${after.id} is enabled, but some deliveries held while it was disabled may not be queued ` +
          `yet; POST /v1/endpoints/${after.id}/recover with {"since":"${disabledAt}"} sends them`,
      });
    } finally {
      // The endpoint is enabled whether or not every held delivery went out: say so.
      if (deps.operational) await emitOperational(deps.operational, endpointEnabledEvent(after));
    }
  } else if (deps.operational) {
    await emitOperational(deps.operational, endpointDisabledEvent(after));
  }
}
