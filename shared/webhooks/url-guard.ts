/**
 * SPEC R4: webhook URLs may not reach private, loopback, link-local or otherwise internal
 * addresses (checked when saved and again before every delivery, since DNS can change).
 * Locally a flag allows them so tests can use a loopback receiver.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ApiError } from '#shared/http/errors';
import type { HostResolver } from '#shared/ports/host-resolver';

const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  // ::/96 holds :: and the deprecated IPv4-compatible addresses (::127.0.0.1).
  ['::', 96],
  ['::1', 128],
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address a gateway may route to.
  ['64:ff9b::', 96],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return internal.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return internal.check(mapped[1]!, 'ipv4');
    // The hex form URL parsing makes of [::ffff:127.0.0.1]: ::ffff:7f00:1.
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (hex) {
      const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
      return internal.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
    }
    return internal.check(address, 'ipv6');
  }
  return true;
}

/** The URL if it is one a webhook may have at all: http(s), no credentials. Throws WEBHOOK_URL_REFUSED. */
export function parseDeliverableUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError('WEBHOOK_URL_REFUSED', 'not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ApiError('WEBHOOK_URL_REFUSED', 'http or https only');
  if (url.username || url.password) throw new ApiError('WEBHOOK_URL_REFUSED', 'no credentials in the URL');
  return url;
}

/**
 * Throws WEBHOOK_URL_REFUSED unless the URL is http(s) and every address it resolves to is
 * public: the check when a URL is saved. Deliveries do not rely on it (DNS can answer otherwise
 * later): they connect through pinnedPost, which checks the address it connects to.
 */
export async function assertDeliverableUrl(raw: string, allowPrivate: boolean, resolve: HostResolver = (host) => lookup(host, { all: true, verbatim: true })): Promise<void> {
  const url = parseDeliverableUrl(raw);
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await resolve(host)).map((a) => a.address);
  } catch {
    throw new ApiError('WEBHOOK_URL_REFUSED', 'the host does not resolve');
  }
  if (addresses.length === 0 || addresses.some(isInternalAddress)) {
    throw new ApiError('WEBHOOK_URL_REFUSED', 'private, loopback and link-local addresses are refused');
  }
}
