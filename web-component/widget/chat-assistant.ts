import type { html, nothing, TemplateResult } from 'lit/html.js';
import type { ChatMessage } from '../../src/protocol.js';
import type { ChatClient } from '../clients/chat-client.js';
import { safeLocale } from '../shared/locale.js';
import { ASSISTANT_STRINGS, type AssistantStrings } from './assistant-strings.js';

// What the chat window shows of an assistant and of the team's hours, a file of its own
// (`chat-assistant.js`) that the window loads only for an inbox with an assistant or hours: a
// site without them never downloads it. It renders with the window's own lit-html, handed over.

/** The window's lit-html. */
export interface Lit {
  html: typeof html;
  nothing: typeof nothing;
}

/** What the view reads and does in the window. */
export interface AssistantHost {
  readonly client: ChatClient;
  readonly lang: string;
  /** The widget's strings; the assistant's are filled in from English where missing. */
  readonly strings: Partial<AssistantStrings>;
}

/** The assistant's and the hours' pieces of the window. */
export interface AssistantView {
  /** In an empty conversation: ask the assistant or a person, with the honest wait. */
  choice(host: AssistantHost): TemplateResult | symbol;
  /** While the assistant answers: "Talk to a person", always in reach; outside hours, when the team is back. */
  bar(host: AssistantHost): TemplateResult | symbol;
  /** Under an assistant's reply: the caret while it streams, how it ended, its sources. */
  replyFooter(host: AssistantHost, message: ChatMessage): TemplateResult | symbol;
  /** The reply's text: hidden from screen readers while it streams, read once when it ends. */
  replyText(message: ChatMessage, text: unknown): TemplateResult;
  /** Beside the assistant's name: it is not a person. */
  badge(host: AssistantHost): TemplateResult;
}

const CSS = `
.badge{margin-left:4px;padding:0 5px;border:1px solid currentColor;border-radius:4px;font-size:10px;font-weight:700;letter-spacing:.04em}
.choice{display:grid;gap:8px;margin:10px 0 0}
.choice button,.bar button{min-height:40px;padding:8px 12px;border:1px solid var(--_accent);border-radius:10px;background:var(--_background);color:var(--_foreground);font-weight:600;cursor:pointer;text-align:start}
.choice button.ask{background:var(--_accent);color:var(--_accent-contrast)}
.choice small,.bar small{display:block;font-weight:400;font-size:12px;color:inherit;opacity:.85}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;flex-shrink:0;padding:6px 12px;border-top:1px solid var(--_border);font-size:13px;color:var(--_muted)}
.bar button{min-height:32px;padding:4px 10px}
.caret{display:inline-block;width:.5em;height:1em;margin-left:2px;vertical-align:text-bottom;background:currentColor;animation:blink 1s steps(2) infinite}
@keyframes blink{50%{opacity:0}}
.activity,.stopped{margin:2px 0 0;font-size:12px;opacity:.85}
.sources{margin:6px 0 0;padding:0;list-style:none;font-size:12px}
.sources a{color:inherit}
@media (prefers-reduced-motion:reduce){.caret{animation:none}}
@media (pointer:coarse),(max-width:480px){.bar button,.choice button{min-height:44px}}
`;

/** The view, rendering with the window's lit-html; its styles join the widget's shadow root. */
export function createAssistantView({ html, nothing }: Lit, root: ShadowRoot): AssistantView {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];

  const stringsOf = (host: AssistantHost): AssistantStrings => {
    const merged = { ...ASSISTANT_STRINGS } as Record<string, unknown>;
    for (const [key, value] of Object.entries(host.strings)) if (key in merged && typeof value === typeof merged[key]) merged[key] = value;
    return merged as unknown as AssistantStrings;
  };

  /** When a person would answer: the wait, soon, or when the team is back (in the visitor's own time). */
  const personLine = (host: AssistantHost, text: AssistantStrings): string => {
    const view = host.client.teamView;
    if (view?.open === false) {
      if (!view.nextOpening) return view.awayMessage ?? '';
      const when = new Date(view.nextOpening).toLocaleString(safeLocale(host.lang), { weekday: 'long', hour: 'numeric', minute: '2-digit' });
      return [view.awayMessage, text.backAt(when)].filter(Boolean).join(' ');
    }
    return view?.waitMinutes ? text.personWait(view.waitMinutes) : text.personSoon;
  };

  return {
    choice(host) {
      const { client } = host;
      if (!client.assistant || client.handler !== undefined) return nothing;
      const text = stringsOf(host);
      return html`<div class="choice" role="group" aria-label=${text.choosePrompt}>
        <button type="button" class="ask" @click=${() => void client.choose('assistant')}>${text.askAssistant}</button>
        <button type="button" @click=${() => void client.choose('person')}>
          ${text.talkToPerson}<small>${personLine(host, text)}</small>
        </button>
      </div>`;
    },

    bar(host) {
      const { client } = host;
      const text = stringsOf(host);
      if (client.assistant && client.handler === 'assistant') {
        return html`<div class="bar">
          <button type="button" @click=${() => void client.choose('person')}>${text.talkToPerson}</button>
          <span>${personLine(host, text)}</span>
        </div>`;
      }
      // Waiting for a person outside hours: when they are back.
      if (client.teamView?.open === false && client.handler !== 'operator') return html`<div class="bar" role="status">${personLine(host, text)}</div>`;
      return nothing;
    },

    replyFooter(host, message) {
      const text = stringsOf(host);
      const streaming = message.status === 'streaming';
      const activity = streaming && host.client.activity?.id === message.id ? host.client.activity.activity : undefined;
      return html`${streaming ? html`<span class="caret" aria-hidden="true"></span>` : nothing}
        ${activity ? html`<p class="activity" role="status">${text[activity]}</p>` : nothing}
        ${message.status === 'interrupted' ? html`<p class="stopped">${text.stopped}</p>` : nothing}
        ${message.citations?.length
          ? html`<ul class="sources" aria-label=${text.sources}>
              ${message.citations.map(
                (citation) => html`<li><a href=${citation.url} target="_blank" rel="noopener noreferrer nofollow">${citation.title}</a></li>`,
              )}
            </ul>`
          : nothing}`;
    },

    badge(host) {
      return html`<span class="badge">${stringsOf(host).assistantBadge}</span>`;
    },

    replyText(message, text) {
      return message.status === 'streaming'
        ? html`<div part="text" class="text" aria-hidden="true">${text}</div>`
        : html`<p part="text" class="text">${text}</p>`;
    },
  };
}
