import { describe, expect, it } from 'vitest';
import { displayName } from '../../src/server/identity.js';

describe('displayName', () => {
  it('trims, and keeps a name of 100 characters whole', () => {
    expect(displayName('  Olga  ')).toBe('Olga');
    expect(displayName('a'.repeat(100))).toBe('a'.repeat(100));
  });

  it('cuts a long name before an astral character rather than through it', () => {
    const name = `${'a'.repeat(99)}😀 and more`;
    expect(displayName(name)).toBe('a'.repeat(99));
    expect(displayName(name).isWellFormed()).toBe(true);
  });

  it('makes a lone surrogate the replacement character, as storing it would', () => {
    expect(displayName('Ann\uD800')).toBe('Ann\uFFFD');
  });
});
