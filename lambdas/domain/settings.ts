import type { EventCatalog } from './catalog';
import type { RetrySchedule } from './retry-policy';
import type { SignatureScheme } from './signing';

/** What the domain needs to know of the configuration (built by `serviceSettings` in `lambdas/config.ts` from `lambdas/settings/schema.ts`). */
export interface ServiceSettings {
  /** Brand in header names: `<brand>-Signature`, `<brand>-Event`, `<brand>-Delivery`, User-Agent. */
  readonly brand: string;
  /** How requests are signed (`yumkiosk` by default). */
  readonly signatureScheme?: SignatureScheme;
  readonly deliveryTimeoutMs: number;
  /** The schedule policy's settings (`schedulePolicy`). */
  readonly retry: RetrySchedule;
  /** How long past its due time a pending delivery may go unprocessed before the sweeper re-enqueues it. */
  readonly sweepGraceMs: number;
  readonly retentionDays: number;
  readonly catalog: EventCatalog;
  readonly maxEndpointsPerTenant: number;
  /**
   * How long a delivery may use a cached endpoint record (0: no cache). Bounds how late a disabled or
   * deleted endpoint, or a rotated secret, takes effect on deliveries.
   */
  readonly endpointCacheTtlMs: number;
  /**
   * How long a publish may fan out from a cached list of the tenant's endpoints (0: read every time).
   * Bounds how late a new endpoint, a changed subscription or a disabled one takes effect on fan-out.
   */
  readonly fanoutCacheTtlMs?: number;
  /** Lets endpoints use http:// and private addresses (local development only). */
  readonly allowInsecureTargets: boolean;
  /** Tenant whose endpoints get the operational events (`_operational` when absent). */
  readonly operationalTenant?: string;
  /** An endpoint failing without a break this long is disabled (`ENDPOINT_DISABLE_AFTER`; 5 days when absent). */
  readonly endpointDisableAfterMs?: number;
  /** EventBridge bus the operational events are put on; absent: none. */
  readonly operationalEventBus?: string;
  /** The tenant portal's page and tokens. */
  readonly portal?: PortalSettings;
}

export interface PortalSettings {
  /** CSP `frame-ancestors` sources. */
  readonly frameAncestors: string;
  readonly brandName: string;
  /** `#rrggbb` */
  readonly accentColor: string;
  readonly tokenMaxTtlSeconds: number;
}
