import { isIPv6 } from 'node:net';

/**
 * SSRF protection for webhook endpoint targets.
 *
 * A webhook endpoint URL is chosen by a tenant, and the delivery worker then makes requests to it from inside
 * our network. Without these checks a tenant could point an endpoint at the cloud metadata service
 * (169.254.169.254), at localhost, or at anything on the private network, and read the responses back through
 * the delivery log. So there are three gates:
 *
 * 1. {@link checkEndpointUrl} when an endpoint is created or changed: a static check of the URL itself (scheme,
 *    credentials, IP-literal hosts, obviously-local names). It does no DNS, so it stays pure and fast.
 * 2. {@link checkResolvedAddresses} right after, at registration, on what the host name resolves to then
 *    (`endpoints.ts`, with the required `resolveHost` port): a 422 before anything is stored.
 * 3. {@link blockedAddressReason} at delivery time, inside the DNS lookup the HTTPS sender connects with
 *    (`adapters/http-sender.ts`), because any public name can later resolve to a private address
 *    (`127.0.0.1.nip.io`, or DNS rebinding): the address checked is the address connected to.
 *
 * Everything here is pure: no DNS, no AWS, only `node:net` for IPv6 syntax validation.
 */

/** The result of {@link checkEndpointUrl}: the parsed URL when allowed, or a message naming the problem. */
export type TargetCheck = { ok: true; url: URL } | { ok: false; message: string };

// ---------------------------------------------------------------------------------------------------------------
// IPv4
// ---------------------------------------------------------------------------------------------------------------

/**
 * Parses any spelling of an IPv4 address that `inet_aton(3)` or the WHATWG URL host parser accepts, and returns it
 * as a dotted quad; returns undefined for anything else.
 *
 * Accepted forms (why: an attacker writes whichever form slips past a naive `a.b.c.d` regex, and the resolver or
 * URL parser turns it back into the real address):
 * - 1 to 4 parts separated by dots; the last part fills all remaining bytes (`127.1` is 127.0.0.1, `10.1` is
 *   10.0.0.1, `2130706433` is 127.0.0.1);
 * - each part decimal, octal with a leading `0` (`0177`), or hex with `0x`/`0X` (`0x7f`, `0x7f000001`);
 * - one trailing dot (`127.0.0.1.`), which the WHATWG parser ignores.
 *
 * Surrounding whitespace is trimmed; anything else (empty parts, `08`, out-of-range parts, `1.2.3.4.5`) is rejected.
 */
export function parseIPv4Loose(text: string): string | undefined {
  const value = parseIPv4Number(text);
  return value === undefined ? undefined : formatIPv4(value);
}

function parseIPv4Number(text: string): number | undefined {
  let host = text.trim();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return undefined;
  const parts = host.split('.');
  if (parts.length > 4) return undefined;

  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Part(part);
    if (n === undefined) return undefined;
    numbers.push(n);
  }

  // The leading parts are one byte each; the last part covers the remaining (5 - parts) bytes.
  let value = 0;
  for (let i = 0; i < numbers.length - 1; i++) {
    const n = numbers[i]!;
    if (n > 0xff) return undefined;
    value = value * 256 + n;
  }
  const lastBytes = 5 - numbers.length;
  const last = numbers[numbers.length - 1]!;
  if (last >= 256 ** lastBytes) return undefined;
  return value * 256 ** lastBytes + last;
}

function parseIPv4Part(part: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) {
    // `0x` alone is 0 for both inet_aton and WHATWG.
    return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  }
  if (/^0[0-7]+$/.test(part)) return Number.parseInt(part.slice(1), 8);
  if (/^(?:0|[1-9][0-9]*)$/.test(part)) return Number.parseInt(part, 10);
  return undefined;
}

function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** A blocked range: what kind of address it is, plus an optional detail shown in parentheses. */
type Blocked = { kind: string; notes: string[] };

type IPv4Range = { base: number; prefix: number; kind: string; note?: string };

function v4(dotted: string, prefix: number, kind: string, note?: string): IPv4Range {
  const base = parseIPv4Number(dotted);
  if (base === undefined) throw new Error(`bad range ${dotted}`);
  return note === undefined ? { base, prefix, kind } : { base, prefix, kind, note };
}

const RESERVED = 'reserved address';

/**
 * IPv4 ranges that are never a legitimate webhook target. Beyond the must-block ranges (loopback, RFC 1918,
 * link-local/metadata, CGNAT, unspecified, multicast, broadcast) we also block, because no real webhook receiver
 * lives there and some of them are used as internal space in practice:
 * - 192.0.0.0/24 IETF protocol assignments (NAT64 discovery, DS-Lite, and provider-internal uses);
 * - 192.88.99.0/24 the deprecated 6to4 relay anycast (RFC 7526);
 * - 198.18.0.0/15 benchmarking (RFC 2544), which VPN/proxy tools and some clouds use as internal "fake IP" space;
 * - 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 documentation (RFC 5737): never routed, so an endpoint there
 *   is a mistake at best, and blocking costs nothing;
 * - 240.0.0.0/4 reserved for future use (RFC 1112), which some networks squat on internally.
 * Order matters: the first match wins (255.255.255.255 before 240.0.0.0/4).
 */
const IPV4_BLOCKED: readonly IPv4Range[] = [
  v4('0.0.0.0', 8, 'unspecified address'), // "this network"; connecting to 0.0.0.0 reaches the local host on Linux
  v4('10.0.0.0', 8, 'private address', 'RFC 1918'),
  v4('100.64.0.0', 10, 'carrier-grade NAT address'),
  v4('127.0.0.0', 8, 'loopback address'),
  v4('169.254.0.0', 16, 'link-local address'), // includes the cloud metadata service 169.254.169.254
  v4('172.16.0.0', 12, 'private address', 'RFC 1918'),
  v4('192.0.0.0', 24, RESERVED, 'IETF protocol assignments'),
  v4('192.0.2.0', 24, RESERVED, 'documentation'),
  v4('192.88.99.0', 24, RESERVED, '6to4 relay anycast'),
  v4('192.168.0.0', 16, 'private address', 'RFC 1918'),
  v4('198.18.0.0', 15, RESERVED, 'benchmarking'),
  v4('198.51.100.0', 24, RESERVED, 'documentation'),
  v4('203.0.113.0', 24, RESERVED, 'documentation'),
  v4('224.0.0.0', 4, 'multicast address'),
  v4('255.255.255.255', 32, 'broadcast address'),
  v4('240.0.0.0', 4, RESERVED, 'future use'),
];

function inIPv4Range(value: number, range: IPv4Range): boolean {
  // Compare the top `prefix` bits; plain division avoids 32-bit sign trouble with `>>`.
  const size = 2 ** (32 - range.prefix);
  return Math.floor(value / size) === Math.floor(range.base / size);
}

function classifyIPv4(value: number): Blocked | undefined {
  for (const range of IPV4_BLOCKED) {
    if (!inIPv4Range(value, range)) continue;
    return { kind: range.kind, notes: range.note === undefined ? [] : [range.note] };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// IPv6
// ---------------------------------------------------------------------------------------------------------------

/** Parses an IPv6 literal (brackets and a `%zone` suffix allowed) into its eight 16-bit groups. */
function parseIPv6(text: string): number[] | undefined {
  let host = text.trim();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  // The zone id (fe80::1%eth0, or %25eth0 when it came out of a URL) only picks an interface; drop it.
  const zone = host.indexOf('%');
  if (zone !== -1) host = host.slice(0, zone);
  if (!isIPv6(host)) return undefined;

  // A trailing dotted quad (::ffff:127.0.0.1) is the last two groups.
  const lastColon = host.lastIndexOf(':');
  const tail = host.slice(lastColon + 1);
  if (tail.includes('.')) {
    const value = parseIPv4Number(tail);
    if (value === undefined) return undefined;
    host = `${host.slice(0, lastColon + 1)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }

  const toGroups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const doubleColon = host.indexOf('::');
  if (doubleColon === -1) {
    const groups = toGroups(host);
    return groups.length === 8 ? groups : undefined;
  }
  const head = toGroups(host.slice(0, doubleColon));
  const rest = toGroups(host.slice(doubleColon + 2));
  const missing = 8 - head.length - rest.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...rest];
}

/** True when the first `bits` bits of `groups` equal those of `prefix` (given as groups, zero-padded). */
function hasPrefix(groups: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++) {
    const take = Math.min(16, bits);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
    bits -= take;
  }
  return true;
}

function ipv4From(high: number, low: number): number {
  return high * 0x10000 + low;
}

/**
 * An IPv6 address that carries an IPv4 address: the host's stack or a translator delivers the packet to that
 * IPv4 address, so it is exactly as dangerous as the IPv4 address itself.
 */
function classifyEmbedded(embedded: number, how: string): Blocked | undefined {
  const inner = classifyIPv4(embedded);
  if (inner === undefined) return undefined;
  return { kind: inner.kind, notes: [...inner.notes, `${how} ${formatIPv4(embedded)}`] };
}

function classifyIPv6(g: readonly number[]): Blocked | undefined {
  const w = (i: number): number => g[i] ?? 0;
  const allZero = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);

  if (allZero(0, 8)) return { kind: 'unspecified address', notes: [] };
  if (allZero(0, 7) && w(7) === 1) return { kind: 'loopback address', notes: [] };

  // ::ffff:a.b.c.d — IPv4-mapped; a dual-stack socket connects to the IPv4 address. A public one is fine.
  if (allZero(0, 5) && w(5) === 0xffff) return classifyEmbedded(ipv4From(w(6), w(7)), 'IPv4-mapped');

  // ::a.b.c.d — IPv4-compatible, deprecated by RFC 4291. Nothing legitimate uses it, so block it even when the
  // embedded address is public.
  if (allZero(0, 6)) {
    const embedded = ipv4From(w(6), w(7));
    return (
      classifyEmbedded(embedded, 'IPv4-compatible') ?? {
        kind: RESERVED,
        notes: [`deprecated IPv4-compatible ${formatIPv4(embedded)}`],
      }
    );
  }

  // 64:ff9b::/96 — the NAT64 well-known prefix: a NAT64 gateway forwards to the embedded IPv4 address.
  if (hasPrefix(g, [0x64, 0xff9b], 96)) return classifyEmbedded(ipv4From(w(6), w(7)), 'NAT64 of');
  // 64:ff9b:1::/48 — local-use NAT64 (RFC 8215): site-specific translation, never a public destination.
  if (hasPrefix(g, [0x64, 0xff9b, 0x1], 48)) return { kind: RESERVED, notes: ['local-use NAT64'] };

  // 2002::/16 — 6to4: the next 32 bits are the IPv4 address of the tunnel endpoint.
  if (hasPrefix(g, [0x2002], 16)) return classifyEmbedded(ipv4From(w(1), w(2)), '6to4 of');

  if (hasPrefix(g, [0xfc00], 7)) return { kind: 'unique-local IPv6 address', notes: [] };
  if (hasPrefix(g, [0xfe80], 10)) return { kind: 'link-local address', notes: [] };
  if (hasPrefix(g, [0xff00], 8)) return { kind: 'multicast address', notes: [] };
  if (hasPrefix(g, [0xfec0], 10)) return { kind: RESERVED, notes: ['deprecated site-local'] };
  if (hasPrefix(g, [0x100], 64)) return { kind: RESERVED, notes: ['discard-only'] };

  // 2001::/23 — IETF protocol assignments: Teredo (2001::/32, which embeds an obfuscated IPv4 address the relay
  // would reach), benchmarking, ORCHID. No webhook receiver lives there.
  if (hasPrefix(g, [0x2001], 23)) return { kind: RESERVED, notes: ['IETF protocol assignments'] };
  if (hasPrefix(g, [0x2001, 0xdb8], 32)) return { kind: RESERVED, notes: ['documentation'] };
  if (hasPrefix(g, [0x3fff], 20)) return { kind: RESERVED, notes: ['documentation'] };

  // IANA allocates global unicast only from 2000::/3. Everything else left over is unassigned or special-purpose,
  // so block it rather than enumerate every special range.
  if (!hasPrefix(g, [0x2000], 3)) return { kind: RESERVED, notes: ['not global unicast'] };
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------

function formatReason(blocked: Blocked): string {
  return blocked.notes.length === 0 ? blocked.kind : `${blocked.kind} (${blocked.notes.join('; ')})`;
}

/** "a loopback address", "an unspecified address", "a unique-local ..." — for readable messages. */
function withArticle(reason: string): string {
  return `${/^(?:[aeio]|un(?!i))/i.test(reason) ? 'an' : 'a'} ${reason}`;
}

/**
 * Why an IP address must not be a webhook target, or undefined if it is a public address.
 *
 * Accepts an IPv4 address (dotted quad, or any `inet_aton` spelling such as `0x7f.1`, because a caller holding a
 * raw host should not have to normalize first), or an IPv6 address with or without brackets and with or without a
 * zone id (`fe80::1%eth0`). IPv6 addresses that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64,
 * 6to4) are judged by the embedded address. Returns undefined for input that is not an IP address at all.
 *
 * @returns a short reason such as "loopback address", "private address (RFC 1918)", "link-local address",
 *   "carrier-grade NAT address", "unspecified address", "multicast address", "broadcast address",
 *   "unique-local IPv6 address" or "reserved address (...)"; embedded addresses add a note, e.g.
 *   "loopback address (IPv4-mapped 127.0.0.1)".
 */
export function blockedAddressReason(ip: string): string | undefined {
  const v4value = parseIPv4Number(ip);
  if (v4value !== undefined) {
    const blocked = classifyIPv4(v4value);
    return blocked === undefined ? undefined : formatReason(blocked);
  }
  const groups = parseIPv6(ip);
  if (groups === undefined) return undefined;
  const blocked = classifyIPv6(groups);
  return blocked === undefined ? undefined : formatReason(blocked);
}

/**
 * Names that only ever mean something on the local machine or network: `localhost` (RFC 6761), mDNS `.local`
 * (RFC 6762), `.internal` (cloud-internal names such as `metadata.google.internal`), `.home.arpa` (RFC 8375) and
 * `.localdomain` (common resolver default).
 */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'localdomain'];

function isLocalOnlyName(hostname: string): boolean {
  // A fully qualified `localhost.` is the same name as `localhost`.
  const name = hostname.toLowerCase().replace(/\.$/, '');
  // Single-label names are resolved through the search domains, i.e. against internal DNS.
  if (!name.includes('.')) return true;
  return LOCAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

/**
 * Statically checks a webhook endpoint URL (no DNS). Run it when an endpoint is created or updated, then
 * {@link checkResolvedAddresses} on what the host name resolves to; the delivery path checks each address it
 * connects to with {@link blockedAddressReason}.
 *
 * With `allowInsecure: false` (production): the URL must be `https:` with no credentials; an IP-literal host (in
 * any spelling the URL parser normalizes, e.g. `https://0x7f.1/`) must be a public address; and the host name must
 * not be local-only (`localhost`, `*.localhost`, `*.local`, `*.internal`, single-label names, ...).
 *
 * With `allowInsecure: true` (local development and tests, where receivers run on `http://127.0.0.1:3000`): `http:`
 * and `https:` are both allowed and any host is accepted, but the URL must still parse and carry no credentials.
 *
 * @returns `{ ok: true, url }` with the parsed URL, or `{ ok: false, message }` naming the problem, e.g.
 *   "URL must use HTTPS" or "URL host 127.0.0.1 is a loopback address".
 */
export function checkEndpointUrl(raw: string, options: { allowInsecure: boolean }): TargetCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'URL is not valid' };
  }

  if (options.allowInsecure) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return { ok: false, message: 'URL must use HTTP or HTTPS' };
    }
  } else if (url.protocol !== 'https:') {
    return { ok: false, message: 'URL must use HTTPS' };
  }

  // Credentials would be sent to the target and stored in our tables and logs; they also hide the real host
  // (`https://trusted.example@10.0.0.1/`).
  if (url.username !== '' || url.password !== '') {
    return { ok: false, message: 'URL must not contain credentials' };
  }

  const host = url.hostname;
  if (host === '') return { ok: false, message: 'URL must have a host' };
  if (options.allowInsecure) return { ok: true, url };

  // The WHATWG parser already turns numeric spellings (2130706433, 0x7f.1, 0177.0.0.1) into a dotted quad, and
  // IPv6 hosts keep their brackets; parseIPv4Loose is a second line of defence should that ever differ.
  const isIPv6Literal = host.startsWith('[');
  if (isIPv6Literal || parseIPv4Loose(host) !== undefined) {
    const reason = blockedAddressReason(host);
    if (reason !== undefined) return { ok: false, message: `URL host ${host} is ${withArticle(reason)}` };
    return { ok: true, url };
  }

  if (isLocalOnlyName(host)) return { ok: false, message: `URL host ${host} is not a public name` };
  return { ok: true, url };
}

/**
 * Checks the addresses a webhook host name resolved to, before connecting. Every address must be public: a name
 * with one private address among public ones can still be made to connect to it.
 *
 * Fails closed: an entry that is not an IP address at all is reported, not ignored.
 *
 * @returns undefined when all addresses are public; otherwise a message for the first bad one, e.g.
 *   "host resolves to 10.0.0.1, a private address (RFC 1918)", or "host does not resolve" for an empty list.
 */
export function checkResolvedAddresses(addresses: readonly string[]): string | undefined {
  if (addresses.length === 0) return 'host does not resolve';
  for (const address of addresses) {
    if (parseIPv4Number(address) === undefined && parseIPv6(address) === undefined) {
      return `host resolves to ${address}, which is not an IP address`;
    }
    const reason = blockedAddressReason(address);
    if (reason !== undefined) return `host resolves to ${address}, ${withArticle(reason)}`;
  }
  return undefined;
}
