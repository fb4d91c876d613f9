/**
 * The portal page: one HTML document, one script, one stylesheet, each sent with a strict
 * Content-Security-Policy (nothing inline, nothing from another origin) whose `frame-ancestors` comes
 * from the PORTAL_FRAME_ANCESTORS setting, so the operator's dashboard may embed it in an iframe.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { PortalTokens } from '../domain/portal-token';
import type { PortalSettings } from '../domain/settings';

/** The page's script and stylesheet, built by esbuild from `portal/ui/` (at synth, or by the local runtime). */
export interface PortalAssets {
  script(): Promise<string>;
  styles(): Promise<string>;
}

/** What the portal needs; absent from the service when the deployment has no portal key (portal off). */
export interface Portal {
  readonly tokens: PortalTokens;
  readonly assets: PortalAssets;
  readonly settings: PortalSettings;
}

export function contentSecurityPolicy(frameAncestors: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

function headers(settings: PortalSettings, type: string, cache: string): Record<string, string> {
  return {
    'Content-Type': type,
    'Cache-Control': cache,
    'Content-Security-Policy': contentSecurityPolicy(settings.frameAncestors),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML shell; the script builds the page. Relative asset URLs: it works under a REST stage prefix too. */
export function pageResponse(settings: PortalSettings): APIGatewayProxyResult {
  const brand = escapeHtml(settings.brandName);
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${brand}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="portal/app.css">
<script type="module" src="portal/app.js"></script>
</head>
<body>
<div id="app" data-brand="${brand}"><noscript>The portal needs JavaScript.</noscript></div>
</body>
</html>
`;
  return { statusCode: 200, headers: headers(settings, 'text/html; charset=utf-8', 'no-store'), body };
}

export async function scriptResponse(
  settings: PortalSettings,
  assets: PortalAssets,
): Promise<APIGatewayProxyResult> {
  return {
    statusCode: 200,
    headers: headers(settings, 'text/javascript; charset=utf-8', 'no-cache'),
    body: await assets.script(),
  };
}

/** The stylesheet, with the accent colour of the settings (no inline style: the CSP forbids it). */
export async function stylesResponse(
  settings: PortalSettings,
  assets: PortalAssets,
): Promise<APIGatewayProxyResult> {
  return {
    statusCode: 200,
    headers: headers(settings, 'text/css; charset=utf-8', 'no-cache'),
    body: `:root { --accent: ${settings.accentColor}; }\n${await assets.styles()}`,
  };
}
