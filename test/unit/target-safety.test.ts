import { describe, expect, it } from 'vitest';
import {
  blockedAddressReason,
  checkEndpointUrl,
  checkResolvedAddresses,
  parseIPv4Loose,
} from '../../lambdas/domain/target-safety';

const secure = { allowInsecure: false };
const insecure = { allowInsecure: true };

// Each row: a hostile URL and the exact message (string) or a pattern the rejection message must match.
const hostile: ReadonlyArray<{ url: string; message: string | RegExp }> = [
  // scheme and credentials
  { url: 'http://example.com/hook', message: 'URL must use HTTPS' },
  { url: 'http://127.0.0.1/', message: 'URL must use HTTPS' },
  { url: 'ftp://example.com/hook', message: 'URL must use HTTPS' },
  { url: 'file:///etc/passwd', message: 'URL must use HTTPS' },
  { url: 'gopher://example.com:70/_', message: 'URL must use HTTPS' },
  { url: 'javascript:alert(1)', message: 'URL must use HTTPS' },
  { url: 'https://user:pass@example.com/hook', message: 'URL must not contain credentials' },
  { url: 'https://user@example.com/hook', message: 'URL must not contain credentials' },
  { url: 'https://example.com@169.254.169.254/', message: 'URL must not contain credentials' },
  { url: 'not a url', message: 'URL is not valid' },
  // IPv4 ranges
  { url: 'https://127.0.0.1/', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://127.255.255.254:8443/x', message: 'URL host 127.255.255.254 is a loopback address' },
  { url: 'https://10.0.0.1/', message: 'URL host 10.0.0.1 is a private address (RFC 1918)' },
  { url: 'https://172.16.0.1/', message: 'URL host 172.16.0.1 is a private address (RFC 1918)' },
  { url: 'https://172.31.255.255/', message: 'URL host 172.31.255.255 is a private address (RFC 1918)' },
  { url: 'https://192.168.1.1/', message: 'URL host 192.168.1.1 is a private address (RFC 1918)' },
  {
    url: 'https://169.254.169.254/latest/meta-data/',
    message: 'URL host 169.254.169.254 is a link-local address',
  },
  { url: 'https://100.64.0.1/', message: 'URL host 100.64.0.1 is a carrier-grade NAT address' },
  { url: 'https://100.127.255.255/', message: 'URL host 100.127.255.255 is a carrier-grade NAT address' },
  { url: 'https://0.0.0.0/', message: 'URL host 0.0.0.0 is an unspecified address' },
  { url: 'https://0.1.2.3/', message: 'URL host 0.1.2.3 is an unspecified address' },
  { url: 'https://224.0.0.1/', message: 'URL host 224.0.0.1 is a multicast address' },
  { url: 'https://239.255.255.250/', message: 'URL host 239.255.255.250 is a multicast address' },
  { url: 'https://255.255.255.255/', message: 'URL host 255.255.255.255 is a broadcast address' },
  { url: 'https://240.0.0.1/', message: /^URL host 240\.0\.0\.1 is a reserved address/ },
  { url: 'https://192.0.0.170/', message: /^URL host 192\.0\.0\.170 is a reserved address/ },
  { url: 'https://198.18.0.1/', message: /^URL host 198\.18\.0\.1 is a reserved address \(benchmarking\)/ },
  { url: 'https://198.19.255.1/', message: /^URL host 198\.19\.255\.1 is a reserved address/ },
  { url: 'https://192.0.2.10/', message: /reserved address \(documentation\)/ },
  { url: 'https://203.0.113.5/', message: /reserved address \(documentation\)/ },
  // numeric spellings (the URL parser normalizes them; the message shows the real address)
  { url: 'https://2130706433/', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://0177.0.0.1/', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://0x7f.0.0.1/', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://0x7f000001/', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://0x7f.1/', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://127.1/', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://10.1/', message: 'URL host 10.0.0.1 is a private address (RFC 1918)' },
  { url: 'https://2852039166/', message: 'URL host 169.254.169.254 is a link-local address' },
  { url: 'https://0251.0376.0251.0376/', message: 'URL host 169.254.169.254 is a link-local address' },
  { url: 'https://127.0.0.1./', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://%31%32%37.0.0.1/', message: 'URL host 127.0.0.1 is a loopback address' },
  { url: 'https://0/', message: 'URL host 0.0.0.0 is an unspecified address' },
  // IPv6 forms
  { url: 'https://[::1]/', message: 'URL host [::1] is a loopback address' },
  { url: 'https://[0:0:0:0:0:0:0:1]/', message: 'URL host [::1] is a loopback address' },
  { url: 'https://[::]/', message: 'URL host [::] is an unspecified address' },
  {
    url: 'https://[::ffff:127.0.0.1]/',
    message: 'URL host [::ffff:7f00:1] is a loopback address (IPv4-mapped 127.0.0.1)',
  },
  { url: 'https://[::ffff:7f00:1]/', message: /^URL host \[::ffff:7f00:1\] is a loopback address/ },
  {
    url: 'https://[0:0:0:0:0:ffff:a9fe:a9fe]/',
    message: 'URL host [::ffff:a9fe:a9fe] is a link-local address (IPv4-mapped 169.254.169.254)',
  },
  { url: 'https://[::ffff:10.0.0.1]/', message: /private address \(RFC 1918; IPv4-mapped 10\.0\.0\.1\)/ },
  { url: 'https://[::127.0.0.1]/', message: /loopback address \(IPv4-compatible 127\.0\.0\.1\)/ },
  { url: 'https://[::8.8.8.8]/', message: /reserved address \(deprecated IPv4-compatible 8\.8\.8\.8\)/ },
  { url: 'https://[64:ff9b::a9fe:a9fe]/', message: /link-local address \(NAT64 of 169\.254\.169\.254\)/ },
  { url: 'https://[64:ff9b::10.0.0.1]/', message: /private address \(RFC 1918; NAT64 of 10\.0\.0\.1\)/ },
  { url: 'https://[2002:7f00:1::1]/', message: /loopback address \(6to4 of 127\.0\.0\.1\)/ },
  { url: 'https://[2002:a9fe:a9fe::]/', message: /link-local address \(6to4 of 169\.254\.169\.254\)/ },
  { url: 'https://[fd00::1]/', message: 'URL host [fd00::1] is a unique-local IPv6 address' },
  { url: 'https://[fc00::1]/', message: 'URL host [fc00::1] is a unique-local IPv6 address' },
  { url: 'https://[fd00:ec2::254]/', message: 'URL host [fd00:ec2::254] is a unique-local IPv6 address' },
  { url: 'https://[fe80::1]/', message: 'URL host [fe80::1] is a link-local address' },
  { url: 'https://[febf::1]/', message: 'URL host [febf::1] is a link-local address' },
  { url: 'https://[ff02::1]/', message: 'URL host [ff02::1] is a multicast address' },
  { url: 'https://[fec0::1]/', message: /reserved address/ },
  { url: 'https://[2001:db8::1]/', message: /reserved address \(documentation\)/ },
  { url: 'https://[2001::1]/', message: /reserved address/ },
  { url: 'https://[100::1]/', message: /reserved address \(discard-only\)/ },
  // local-only names
  { url: 'https://localhost/', message: 'URL host localhost is not a public name' },
  { url: 'https://LOCALHOST:8443/', message: 'URL host localhost is not a public name' },
  { url: 'https://localhost./', message: 'URL host localhost. is not a public name' },
  { url: 'https://foo.localhost/', message: 'URL host foo.localhost is not a public name' },
  { url: 'https://printer.local/', message: 'URL host printer.local is not a public name' },
  {
    url: 'https://metadata.google.internal/computeMetadata/v1/',
    message: 'URL host metadata.google.internal is not a public name',
  },
  { url: 'https://router.home.arpa/', message: 'URL host router.home.arpa is not a public name' },
  { url: 'https://intranet/', message: 'URL host intranet is not a public name' },
  { url: 'https://com./', message: 'URL host com. is not a public name' },
];

describe('checkEndpointUrl rejects hostile targets', () => {
  it('has a large table', () => {
    expect(hostile.length).toBeGreaterThanOrEqual(40);
  });

  it.each(hostile)('$url', ({ url, message }) => {
    const result = checkEndpointUrl(url, secure);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    if (typeof message === 'string') expect(result.message).toBe(message);
    else expect(result.message).toMatch(message);
  });
});

const allowed: readonly string[] = [
  'https://example.com/hook',
  'https://93.184.216.34/x',
  'https://[2606:4700::1111]/',
  'https://hooks.example.co.uk:8443/p?q=1',
  'https://8.8.8.8/',
  'https://172.32.0.1/', // just past 172.16.0.0/12
  'https://100.128.0.1/', // just past 100.64.0.0/10
  'https://[::ffff:93.184.216.34]/', // IPv4-mapped public address
  'https://[64:ff9b::808:808]/', // NAT64 of 8.8.8.8
  'https://[2002:808:808::1]/', // 6to4 of 8.8.8.8
  'https://api.internal-tools.example.com/hook', // "internal" only as part of a label
  'https://local.example.com/',
];

describe('checkEndpointUrl allows public targets', () => {
  it.each(allowed)('%s', (url) => {
    const result = checkEndpointUrl(url, secure);
    expect(result).toEqual({ ok: true, url: new URL(url) });
  });

  it('returns the parsed URL', () => {
    const result = checkEndpointUrl('https://hooks.example.co.uk:8443/p?q=1', secure);
    if (!result.ok) throw new Error(result.message);
    expect(result.url.hostname).toBe('hooks.example.co.uk');
    expect(result.url.port).toBe('8443');
  });
});

describe('checkEndpointUrl in insecure mode', () => {
  it.each([
    'http://127.0.0.1:3000/',
    'http://localhost:3000/hook',
    'https://10.0.0.1/',
    'http://[::1]:8080/',
    'http://receiver/',
  ])('allows %s', (url) => {
    const result = checkEndpointUrl(url, insecure);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.url.href).toBe(new URL(url).href);
  });

  it.each([
    ['ftp://127.0.0.1/', 'URL must use HTTP or HTTPS'],
    ['file:///etc/passwd', 'URL must use HTTP or HTTPS'],
    ['http://user:pass@127.0.0.1:3000/', 'URL must not contain credentials'],
    ['::not a url', 'URL is not valid'],
  ])('still rejects %s', (url, message) => {
    expect(checkEndpointUrl(url, insecure)).toEqual({ ok: false, message });
  });

  it('does not leak into secure mode', () => {
    expect(checkEndpointUrl('http://127.0.0.1:3000/', secure)).toEqual({
      ok: false,
      message: 'URL must use HTTPS',
    });
  });
});

describe('parseIPv4Loose', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['0X7F.0.0.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['10.1', '10.0.0.1'],
    ['192.168.257', '192.168.1.1'],
    ['169.254.43518', '169.254.169.254'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['00000', '0.0.0.0'],
    ['4294967295', '255.255.255.255'],
    ['127.0.0.1.', '127.0.0.1'],
    [' 10.0.0.1 ', '10.0.0.1'],
  ])('%s -> %s', (input, expected) => {
    expect(parseIPv4Loose(input)).toBe(expected);
  });

  it.each([
    '',
    '.',
    'example.com',
    '4294967296',
    '256.0.0.1',
    '1.2.3.256',
    '1.2.65536',
    '1.16777216',
    '1.2.3.4.5',
    '08.0.0.1',
    '0x7g.0.0.1',
    '127..1',
    '127.0.0.1..',
    '-1.0.0.0',
    '1e3',
    '::1',
    '[127.0.0.1]',
  ])('rejects %j', (input) => {
    expect(parseIPv4Loose(input)).toBeUndefined();
  });
});

describe('blockedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback address'],
    ['10.20.30.40', 'private address (RFC 1918)'],
    ['172.20.0.1', 'private address (RFC 1918)'],
    ['192.168.0.1', 'private address (RFC 1918)'],
    ['169.254.169.254', 'link-local address'],
    ['100.100.100.200', 'carrier-grade NAT address'],
    ['0.0.0.0', 'unspecified address'],
    ['230.1.2.3', 'multicast address'],
    ['255.255.255.255', 'broadcast address'],
    ['250.0.0.1', 'reserved address (future use)'],
    ['198.51.100.7', 'reserved address (documentation)'],
    ['0x7f.1', 'loopback address'],
    ['::1', 'loopback address'],
    ['[::1]', 'loopback address'],
    ['::', 'unspecified address'],
    ['fe80::1%eth0', 'link-local address'],
    ['[fe80::1%25eth0]', 'link-local address'],
    ['fd12:3456::1', 'unique-local IPv6 address'],
    ['ff05::2', 'multicast address'],
    ['::ffff:169.254.169.254', 'link-local address (IPv4-mapped 169.254.169.254)'],
    ['::FFFF:A9FE:A9FE', 'link-local address (IPv4-mapped 169.254.169.254)'],
    ['0:0:0:0:0:ffff:0a00:0001', 'private address (RFC 1918; IPv4-mapped 10.0.0.1)'],
    ['::ffff:100.64.0.1', 'carrier-grade NAT address (IPv4-mapped 100.64.0.1)'],
    ['64:ff9b::7f00:1', 'loopback address (NAT64 of 127.0.0.1)'],
    ['64:ff9b:1::1', 'reserved address (local-use NAT64)'],
    ['2002:c0a8:0101::1', 'private address (RFC 1918; 6to4 of 192.168.1.1)'],
    ['3fff::1', 'reserved address (documentation)'],
    ['4000::1', 'reserved address (not global unicast)'],
  ])('%s -> %s', (ip, reason) => {
    expect(blockedAddressReason(ip)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '100.63.255.255',
    '223.255.255.255',
    '2606:4700::1111',
    '[2606:4700:4700::1001]',
    '2a00:1450:4001:82a::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('%s is public', (ip) => {
    expect(blockedAddressReason(ip)).toBeUndefined();
  });

  it.each(['', 'example.com', 'localhost', '1.2.3.4.5', ':::1', 'fe80::1::2', '[::1', 'gggg::1'])(
    'non-IP %j -> undefined',
    (input) => {
      expect(blockedAddressReason(input)).toBeUndefined();
    },
  );
});

describe('checkResolvedAddresses', () => {
  it('reports an empty answer', () => {
    expect(checkResolvedAddresses([])).toBe('host does not resolve');
  });

  it('passes when every address is public', () => {
    expect(checkResolvedAddresses(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'])).toBeUndefined();
  });

  it('reports the first blocked address', () => {
    expect(checkResolvedAddresses(['93.184.216.34', '10.0.0.1', '127.0.0.1'])).toBe(
      'host resolves to 10.0.0.1, a private address (RFC 1918)',
    );
  });

  it('catches rebinding to the metadata service', () => {
    expect(checkResolvedAddresses(['169.254.169.254'])).toBe(
      'host resolves to 169.254.169.254, a link-local address',
    );
  });

  it('uses "an" where English wants it', () => {
    expect(checkResolvedAddresses(['0.0.0.0'])).toBe('host resolves to 0.0.0.0, an unspecified address');
    expect(checkResolvedAddresses(['fd00::1'])).toBe('host resolves to fd00::1, a unique-local IPv6 address');
  });

  it('catches IPv6 answers', () => {
    expect(checkResolvedAddresses(['2606:4700::1111', '::ffff:127.0.0.1'])).toBe(
      'host resolves to ::ffff:127.0.0.1, a loopback address (IPv4-mapped 127.0.0.1)',
    );
  });

  it('fails closed on something that is not an address', () => {
    expect(checkResolvedAddresses(['93.184.216.34', 'evil.example'])).toBe(
      'host resolves to evil.example, which is not an IP address',
    );
  });
});
