import { bundledPortalAssets, kmsDerivedKey } from '../adapters/portal-key';
import type { AppConfig } from '../config';
import { makePortalTokens } from '../domain/portal-token';
import type { Clock } from '../domain/ports';
import type { Portal, PortalAssets } from './page';

export interface PortalSources {
  /** The token key (the local runtime's key file); on AWS it is derived from PORTAL_KEY_ID. */
  readonly portalKey?: () => Promise<Uint8Array>;
  /** The page's assets (the local runtime builds them); on AWS they are bundled with the function. */
  readonly portalAssets?: PortalAssets;
}

/**
 * The tenant portal (tokens and page), for the api function and the local runtime only: it is built here,
 * outside `service.ts`, so the other functions' bundles carry none of it (jose and the page's assets).
 * Undefined when the deployment has no portal key.
 */
export function portalOf(config: AppConfig, clock: Clock, sources: PortalSources = {}): Portal | undefined {
  const key = sources.portalKey ?? (config.portalKeyId ? kmsDerivedKey(config.portalKeyId) : undefined);
  const settings = config.settings.portal;
  if (!key || !settings) return undefined;
  return {
    tokens: makePortalTokens({ key, clock, maxTtlSeconds: settings.tokenMaxTtlSeconds }),
    assets: sources.portalAssets ?? bundledPortalAssets(),
    settings,
  };
}
