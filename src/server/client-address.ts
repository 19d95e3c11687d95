import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address rate limits count a client by. Without trusted proxies it is the TCP peer. Behind
 * `trustedProxies` proxies, each of which appends the address it saw to `X-Forwarded-For`, the
 * client is the entry that many places from the right: entries further left were written by the
 * client itself and prove nothing, so a client cannot pick its own budget.
 *
 * IPv6 clients are counted by their /64 network: one host is usually given a whole /64 and can
 * change addresses inside it at will.
 */
export function clientAddress(
  remoteAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string {
  return rateLimitKey(peerAddress(remoteAddress, forwardedFor, trustedProxies));
}

/** The client's own address, by the same rules, whole. */
export function peerAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: number): string {
  let address = remoteAddress ?? '';
  if (trustedProxies > 0 && forwardedFor !== undefined) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    if (hops.length > 0) address = hops[Math.max(0, hops.length - trustedProxies)]!;
  }
  return address;
}

/** What `privacy.ipAddresses` lets the chat keep of an address. */
export type IpAddressPolicy = 'none' | 'truncated' | 'full';

/**
 * An address as the chat may store or log it: nothing, its network (IPv4 /24, IPv6 /48), or
 * whole. What is not an IP address is kept only whole.
 */
export function storableAddress(address: string, policy: IpAddressPolicy): string | undefined {
  if (policy === 'none' || !address) return undefined;
  const bare = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address.replace(/^\[|\](:\d+)?$/g, '').split('%', 1)[0]!;
  if (policy === 'full') return bare;
  if (isIPv4(bare)) return `${bare.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(bare)) return `${expandIPv6(bare).slice(0, 3).join(':')}::/48`;
  return undefined;
}

function rateLimitKey(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice('::ffff:'.length);
  const bare = address.replace(/^\[|\](:\d+)?$/g, '').split('%', 1)[0]!;
  if (!isIPv6(bare)) return address || 'unknown';
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of a valid IPv6 address, `::` expanded (an embedded IPv4 tail counts as two). */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const parts = (text: string) => (text ? text.split(':').flatMap((part) => (part.includes('.') ? ['0', '0'] : [part])) : []);
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''));
}
