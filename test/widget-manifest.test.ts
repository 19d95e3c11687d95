import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), 'utf8');

describe('custom-elements.json', () => {
  const manifest = JSON.parse(read('dist/custom-elements.json'));
  const element = manifest.modules[0].declarations[0];
  const template = read('web-component/chat-widget.ts');
  const styles = read('web-component/chat-widget.styles.ts');

  it('describes <chat-widget> where the package ships it', () => {
    expect(manifest.modules[0].path).toBe('dist/widget.js');
    expect(element.tagName).toBe('chat-widget');
    expect(element.events.map((event: { name: string }) => event.name).sort()).toEqual(
      ['chat-close', 'chat-details', 'chat-error', 'chat-message', 'chat-open'],
    );
  });

  it('documents every part the template renders', () => {
    const rendered = new Set<string>();
    for (const [, names] of template.matchAll(/part="([^"]+)"/g)) {
      for (const name of names!.split(/\s+/)) rendered.add(name);
    }
    // Parts bound from expressions: part=${own ? 'message message-own' : 'message'} and the like.
    for (const [binding] of template.matchAll(/part=\$\{.*$/gm)) {
      for (const [name] of binding.matchAll(/\bmessage(?:-own)?\b/g)) rendered.add(name);
    }
    // message-${entry.status}, for the outbox statuses 'pending' and 'failed'.
    rendered.add('message-pending').add('message-failed');
    expect(rendered.size).toBeGreaterThan(15);
    const documented = new Set(element.cssParts.map((part: { name: string }) => part.name));
    for (const name of rendered) expect(documented, `part ${name}`).toContain(name);
  });

  it('documents every --chat-* custom property the styles read', () => {
    const used = new Set([...styles.matchAll(/var\((--chat-[a-z-]+)/g)].map((match) => match[1]));
    const documented = new Set(element.cssProperties.map((property: { name: string }) => property.name));
    expect([...used].sort()).toEqual([...documented].sort());
  });
});
