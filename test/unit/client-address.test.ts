import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/server/client-address.js';

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
