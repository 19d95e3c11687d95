import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), 'utf8');
const manifest = JSON.parse(read('dist/custom-elements.json'));

const ELEMENTS = [
  {
    tagName: 'chat-widget',
    module: 'dist/widget.js',
    // The launcher builds its parts with setAttribute('part', …); the window renders the rest.
    sources: ['web-component/widget/chat-widget.ts', 'web-component/widget/chat-panel.ts', 'web-component/widget/chat-details.ts', 'web-component/widget/chat-assistant.ts', 'web-component/widget/chat-privacy.ts', 'web-component/widget/chat-rating.ts'],
    styles: ['web-component/widget/chat-widget.styles.ts', 'web-component/widget/chat-panel.styles.ts', 'web-component/shared/theme-tokens.ts', 'web-component/shared/base-css.ts'],
    events: ['chat-close', 'chat-details', 'chat-error', 'chat-message', 'chat-open'],
    // Parts bound from expressions, e.g. part=${own ? 'message message-own' : 'message'}, and
    // message-${entry.status} for the outbox statuses.
    boundParts: ['message', 'message-own', 'message-team', 'message-assistant', 'message-pending', 'message-failed'],
  },
  {
    tagName: 'chat-inbox',
    module: 'dist/inbox.js',
    sources: ['web-component/inbox/chat-inbox.ts', 'web-component/inbox/list-pane.ts', 'web-component/inbox/thread-pane.ts', 'web-component/inbox/inbox-privacy.ts', 'web-component/inbox/reply-picker.ts', 'web-component/inbox/inbox-replies.ts', 'web-component/inbox/inbox-search.ts', 'web-component/inbox/inbox-rating.ts'],
    styles: ['web-component/inbox/chat-inbox.styles.ts', 'web-component/shared/theme-tokens.ts', 'web-component/shared/base-css.ts'],
    events: ['chat-conversation-open', 'chat-error', 'chat-inbox-message'],
    // part="message message-${kind}" for the kinds visitor, team and note.
    boundParts: ['message', 'message-visitor', 'message-team', 'message-note', 'message-assistant'],
  },
];

describe.each(ELEMENTS)('custom-elements.json: <$tagName>', ({ tagName, module, sources, styles, events, boundParts }) => {
  const entry = manifest.modules.find((candidate: { path: string }) => candidate.path === module);
  const element = entry?.declarations[0];
  const template = sources.map(read).join('\n');

  it('describes the element where the package ships it, with its events', () => {
    expect(element.tagName).toBe(tagName);
    expect(element.events.map((event: { name: string }) => event.name).sort()).toEqual(events);
  });

  it('documents every part the template renders', () => {
    const rendered = new Set<string>(boundParts);
    for (const match of template.matchAll(/part="([^"$]+)"|setAttribute\('part', '([^']+)'\)/g)) {
      for (const name of (match[1] ?? match[2])!.split(/\s+/)) rendered.add(name);
    }
    expect(rendered.size).toBeGreaterThan(15);
    const documented = new Set(element.cssParts.map((part: { name: string }) => part.name));
    for (const name of rendered) expect(documented, `part ${name}`).toContain(name);
  });

  it('documents every --chat-* custom property the styles read', () => {
    const used = new Set(styles.flatMap((file) => [...read(file).matchAll(/var\((--chat-[a-z-]+)/g)].map((match) => match[1])));
    const documented = new Set(element.cssProperties.map((property: { name: string }) => property.name));
    expect([...used].sort()).toEqual([...documented].sort());
  });
});
