import { describe, expect, it } from 'vitest';
import { clientAddress, peerAddress, storableAddress } from '../../src/server/client-address.js';

describe('clientAddress', () => {
  it('is the TCP peer without trusted proxies, whatever X-Forwarded-For says', () => {
    expect(clientAddress('192.0.2.1', '203.0.113.9', 0)).toBe('192.0.2.1');
    expect(clientAddress('::ffff:192.0.2.1', undefined, 0)).toBe('192.0.2.1');
  });

  it('behind N proxies, is the entry N places from the right', () => {
    expect(clientAddress('10.0.0.1', 'spoofed, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', 'spoofed, 203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', ['spoofed', '203.0.113.9'], 1)).toBe('203.0.113.9');
    // Fewer entries than proxies: the leftmost is the best there is.
    expect(clientAddress('10.0.0.1', '203.0.113.9', 3)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', ' , ', 1)).toBe('10.0.0.1');
  });

  it('counts IPv6 addresses by their /64', () => {
    const key = clientAddress('2001:db8:1:2::1', undefined, 0);
    expect(key).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:0DB8:0001:0002:ffff::7', undefined, 0)).toBe(key);
    expect(clientAddress('10.0.0.1', '[2001:db8:1:2::5]', 1)).toBe(key);
    expect(clientAddress('::1', undefined, 0)).toBe('0:0:0:0::/64');
    expect(clientAddress('2001:db8:1:3::1', undefined, 0)).not.toBe(key);
  });

  it('keeps anything it cannot read as it is', () => {
    expect(clientAddress(undefined, undefined, 0)).toBe('unknown');
    expect(clientAddress('10.0.0.1', 'not-an-address', 1)).toBe('not-an-address');
  });
});

describe('what the chat may keep of an address (privacy.ipAddresses)', () => {
  it('keeps IPv4 to its /24 and IPv6 to its /48 when truncated, nothing when none, the address when full', () => {
    expect(storableAddress('203.0.113.77', 'truncated')).toBe('203.0.113.0/24');
    expect(storableAddress('::ffff:203.0.113.77', 'truncated')).toBe('203.0.113.0/24');
    expect(storableAddress('2001:db8:abcd:12:1:2:3:4', 'truncated')).toBe('2001:db8:abcd::/48');
    expect(storableAddress('[2001:db8::1]:443', 'truncated')).toBe('2001:db8:0::/48');
    expect(storableAddress('203.0.113.77', 'none')).toBeUndefined();
    expect(storableAddress('203.0.113.77', 'full')).toBe('203.0.113.77');
    expect(storableAddress('fe80::1%eth0', 'full')).toBe('fe80::1');
    // Not an address at all: nothing is kept of it when truncated.
    expect(storableAddress('unknown', 'truncated')).toBeUndefined();
    expect(storableAddress('', 'full')).toBeUndefined();
  });

  it('truncates the address the proxy rules pick, not one the client wrote', () => {
    const peer = peerAddress('10.0.0.1', '198.51.100.9, 203.0.113.77', 1);
    expect(peer).toBe('203.0.113.77');
    expect(storableAddress(peer, 'truncated')).toBe('203.0.113.0/24');
  });
});
