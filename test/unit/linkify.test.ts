import { describe, expect, it } from 'vitest';
import { linkify } from '../../web-component/shared/linkify.js';

describe('linkify', () => {
  it('links http, https and mailto, trimming trailing punctuation', () => {
    expect(linkify('See https://example.com/a?b=1, or mailto:help@example.com.')).toEqual([
      { text: 'See ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ', or ' },
      { text: 'mailto:help@example.com', href: 'mailto:help@example.com' },
      { text: '.' },
    ]);
  });

  it('leaves every other scheme as text', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:msgbox', 'file:///etc/passwd', 'ftp://x.example']) {
      expect(linkify(text)).toEqual([{ text }]);
    }
  });

  it('keeps markup as text and survives odd input', () => {
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>' }]);
    expect(linkify('')).toEqual([]);
    expect(linkify('http://')).toEqual([{ text: 'http://' }]);
  });
});
