/** The tenant portal's settings (part of `SETTINGS` in schema.ts). */
import { duration, flag, text } from './kinds';
import { setting } from './setting';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const PORTAL_SETTINGS = {
  portal: setting({
    kind: flag(),
    scope: 'context',
    default: true,
    usedBy: [],
    help:
      '`false` leaves the tenant portal out: no token key, no authorizer, no `/portal` routes (the ' +
      'token route answers 404)',
    example: false,
  }),
  portalFrameAncestors: setting({
    kind: text(
      /^('none'|'self'|https:\/\/[A-Za-z0-9.*:-]+)( ('self'|https:\/\/[A-Za-z0-9.*:-]+))*$/,
      "'none', or 'self' and/or https:// origins separated by spaces",
    ),
    scope: 'context',
    env: 'PORTAL_FRAME_ANCESTORS',
    default: "'none'",
    usedBy: ['api'],
    help:
      "who may show the portal in an iframe (its Content-Security-Policy `frame-ancestors`): your dashboard's " +
      'origin, e.g. `https://dashboard.example.com`',
    example: "'self' https://dashboard.example.com",
  }),
  portalBrandName: setting({
    kind: text(/^[^<>&"'\\]{1,40}$/, 'at most 40 characters, none of < > & " \' \\'),
    scope: 'context',
    env: 'PORTAL_BRAND_NAME',
    default: 'Webhooks',
    usedBy: ['api'],
    help: "name shown in the portal page's header and title",
    example: 'YumKiosk webhooks',
  }),
  portalAccentColor: setting({
    kind: text(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb'),
    scope: 'context',
    env: 'PORTAL_ACCENT_COLOR',
    default: '#2563eb',
    usedBy: ['api'],
    help: "the portal page's accent colour (buttons, links, focus rings)",
    example: '#e11d48',
  }),
  portalTokenMaxTtl: setting({
    kind: duration(MINUTE, 24 * HOUR),
    scope: 'context',
    env: 'PORTAL_TOKEN_MAX_TTL',
    default: 24 * HOUR,
    usedBy: ['api'],
    help: 'longest `ttlSeconds` a portal token may be minted with (tokens last 1h by default, 60s at least)',
    example: '8h',
  }),
} as const;
