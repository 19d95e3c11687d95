import { describe, expect, it } from 'vitest';
import { splitRequestTarget } from '../../src/server/request-target.js';

describe('splitRequestTarget', () => {
  it('splits an origin-form target into path and raw query', () => {
    expect(splitRequestTarget('/chat/history?room=a&before=5')).toEqual({ path: '/chat/history', query: 'room=a&before=5' });
    expect(splitRequestTarget('/chat/health')).toEqual({ path: '/chat/health', query: '' });
    expect(splitRequestTarget('/a?b?c#d')).toEqual({ path: '/a', query: 'b?c' });
  });

  it('never throws, and leaves every other shape to the host', () => {
    for (const target of ['//', '/\\', '//[', 'http://[::1/x', 'http://example.com/chat/health', '*', '', 'chat', '\\chat']) {
      expect(splitRequestTarget(target)).toBeUndefined();
    }
    expect(splitRequestTarget(undefined)).toBeUndefined();
  });
});
