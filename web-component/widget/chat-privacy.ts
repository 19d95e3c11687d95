import type { html, nothing, TemplateResult } from 'lit/html.js';
import type { ChatClient } from '../clients/chat-client.js';
import { connectionOf } from '../clients/storage-keys.js';
import { resolveStringTable } from '../shared/strings.js';
import { PRIVACY_STRINGS, type PrivacyStrings } from './privacy-strings.js';
import { stamp, transcriptOf } from './transcript.js';
import type { PanelSettings } from './settings.js';
import type { ChatStrings } from './strings.js';

// Consent to the chat's terms and the conversation's menu (download it as text, delete it), a file
// of its own (`chat-privacy.js`) that the window loads when the chat asks for consent, a message
// was erased, or the visitor opens the menu: most visitors never download it. It renders with the
// window's own lit-html, handed over.

/** The window's lit-html. */
export interface Lit {
  html: typeof html;
  nothing: typeof nothing;
}

/** What the view reads of the window, as it is now. */
export interface PrivacyHost {
  /** None once the window let its connection go (a second widget took the chat over). */
  readonly client: ChatClient | undefined;
  readonly settings: PanelSettings;
  /** The window's strings, for `you`, `cancel`, `menu` and the heading. */
  readonly text: ChatStrings;
}

/** The window's pieces of privacy. */
export interface PrivacyView {
  /** In the header of a conversation: the menu button (with `icon`) and, while open, its menu. */
  menu(icon: TemplateResult): TemplateResult;
  /** Opens the menu and moves focus to its first item. */
  openMenu(): Promise<void>;
  /** Above the composer: the terms with their checkbox (until agreed), the confirm step of a delete, what was done. */
  panel(): TemplateResult;
  /** An erased message's body. */
  tombstone(): TemplateResult;
}

const CSS = `
.header>.menu{position:relative;flex:0 0 auto}
.menu ul{position:absolute;top:calc(100% + 4px);right:-8px;z-index:1;width:max-content;min-width:200px;margin:0;padding:4px;list-style:none;border:1px solid var(--_border);border-radius:10px;background:var(--_background);color:var(--_foreground);box-shadow:var(--_shadow)}
.menu [role='menuitem']{display:block;width:100%;min-height:40px;padding:8px 12px;border:none;border-radius:6px;background:none;color:inherit;text-align:start;white-space:nowrap;cursor:pointer}
.menu [role='menuitem']:hover,.menu [role='menuitem']:focus-visible{background:var(--_bubble)}
.menu [role='menuitem']:focus-visible{outline-offset:-3px}
.menu .destructive{margin-top:4px;border-top:1px solid var(--_border);padding-top:4px}
.menu .destructive [role='menuitem']{color:var(--_error)}
.privacy{flex:0 0 auto;max-height:60%;overflow-y:auto}
.consent,.confirm{padding:10px 16px;border-top:1px solid var(--_border);font-size:14px}
.consent p,.confirm p{margin:0 0 6px;white-space:pre-line}
.consent-check{display:flex;align-items:center;gap:8px;min-height:32px;font-weight:600}
.consent-check input{width:20px;height:20px;margin:0;accent-color:var(--_accent)}
.confirm .actions{display:flex;gap:12px;align-items:center}
.confirm .link{min-height:24px;padding:0 6px}
.danger{padding:8px 14px;border:1px solid var(--_error);border-radius:8px;background:var(--_background);color:var(--_error);font-weight:600;cursor:pointer}
.privacy .notice:empty{display:none}
.privacy .error{padding:0 16px 6px}
.erased{font-style:italic}
.message:not(.own) .erased{color:var(--_muted)}
@media (pointer:coarse),(max-width:480px){.consent-check,.danger,.confirm .link,.menu [role='menuitem']{min-height:44px}}
`;

/**
 * The view of the window rendering into `container`: `host` says what the window is now,
 * `rerender` renders it again and resolves once that is on screen.
 */
export function createPrivacyView({ html, nothing }: Lit, container: HTMLElement, host: () => PrivacyHost, rerender: () => Promise<void>): PrivacyView {
  const root = container.getRootNode() as ShadowRoot;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];

  const strings = (): PrivacyStrings => {
    const { settings } = host();
    return resolveStringTable('', { en: PRIVACY_STRINGS }, 'en', { ...settings.pack, ...settings.strings } as Partial<PrivacyStrings>);
  };
  const focus = (selector: string) => container.querySelector<HTMLElement>(selector)?.focus();

  let menuOpen = false;
  let confirming = false;
  /** A request is under way: its controls wait (aria-disabled, so the focus on them stays). */
  let busy = false;
  /** What was done, for the live region. */
  let status = '';
  let error = '';
  /** The terms are on screen, waiting for the visitor. */
  let asking = false;

  const say = (done: string, failed = '') => {
    status = done;
    error = failed;
    return rerender();
  };

  const closeMenu = async (returnFocus: boolean) => {
    menuOpen = false;
    await rerender();
    if (returnFocus) focus('.menu-button');
  };

  const openMenu = async () => {
    menuOpen = true;
    await rerender();
    focus('[role="menuitem"]');
  };

  /** The menu's keys (the WAI-ARIA menu button pattern): arrows, Home and End move, Escape closes, Tab leaves. */
  const onMenuKeydown = (event: KeyboardEvent) => {
    const items = [...container.querySelectorAll<HTMLElement>('[role="menuitem"]')];
    const at = items.indexOf(event.target as HTMLElement);
    const to = ({ ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: -1 } as Record<string, number>)[event.key];
    if (to !== undefined) {
      event.preventDefault();
      items.at(to % items.length)?.focus();
    } else if (event.key === 'Escape') {
      // The menu closes, not the window.
      event.stopPropagation();
      void closeMenu(true);
    } else if (event.key === 'Tab') {
      void closeMenu(false);
    }
  };

  /** Every message of the conversation: those shown, and the older pages before them. */
  const download = async () => {
    const client = host().client;
    await closeMenu(true);
    if (!client) return;
    const text = strings();
    await say(text.preparingDownload);
    const messages = [...client.messages];
    for (let more = client.hasMore; more && messages[0]; ) {
      const oldest = messages[0].seq;
      // Pages of the chat's own size (limits.pageSize), which its limits always take.
      const page = await client.ask('history', { ...connectionOf(host().settings).target, before: oldest });
      if (!page?.ok) {
        // A long conversation asks faster than the chat's rate limit allows: wait as it says.
        if (page?.error.code !== 'RATE_LIMITED') return say('', page?.error.message ?? text.noAnswer);
        await new Promise((resolve) => setTimeout(resolve, page.error.retryAfterMs ?? 1_000));
        continue;
      }
      messages.unshift(...page.messages.filter((message) => message.seq < oldest));
      more = page.hasMore && page.messages.length > 0;
    }
    const { heading } = host().settings;
    const file = transcriptOf(messages, client.senderId, heading || host().text.heading, { ...text, you: host().text.you });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([file], { type: 'text/plain;charset=utf-8' }));
    link.download = `conversation-${stamp(new Date().toISOString()).slice(0, 10)}.txt`;
    container.append(link);
    link.click();
    link.remove();
    // Revoked once the browser has surely taken the file.
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    await say(text.conversationDownloaded);
  };

  const askToDelete = async () => {
    confirming = true;
    await closeMenu(false);
    await say('');
    focus('.confirm .link');
  };

  const cancelDelete = async () => {
    confirming = false;
    await say('');
    focus('.menu-button');
  };

  const deleteConversation = async () => {
    const client = host().client;
    const text = strings();
    if (!client || busy) return;
    busy = true;
    await say('');
    const ack = await client.ask('deleteConversation', { inbox: host().settings.inbox });
    busy = false;
    if (!ack?.ok) return say('', ack?.error.message ?? text.noAnswer);
    confirming = false;
    client.dropThread();
    await say(text.conversationDeleted);
    focus('#message-input');
  };

  /** The checkbox was checked: the chat records the consent, and what it refused for want of one goes again. */
  const agree = async (event: Event) => {
    const box = event.target as HTMLInputElement;
    const client = host().client;
    const consent = client?.consent;
    if (busy) box.checked = true;
    if (busy || !box.checked || !client || !consent) return;
    busy = true;
    await say('');
    const ack = await client.ask('consent', { version: consent.version });
    busy = false;
    if (!ack?.ok) {
      box.checked = false;
      return say('', ack?.error.message ?? strings().noAnswer);
    }
    client.consent = ack.consent;
    for (const entry of client.outbox) if (entry.error?.code === 'CONSENT_REQUIRED') client.retry(entry.clientId);
    await rerender();
    focus('#message-input');
  };

  const renderConsent = (text: PrivacyStrings) => {
    const consent = host().client?.consent;
    // Asked anew each time the window opens.
    asking &&= Boolean(consent?.required && !consent.given && host().settings.open);
    if (!consent?.required || consent.given) return nothing;
    if (!asking) {
      asking = true;
      // Someone in the message box cannot send yet: the checkbox is where they go next.
      void rerender().then(() => {
        if (root.activeElement?.matches('#message-input')) focus('#consent');
      });
    }
    return html`<div part="consent" class="consent">
      <p id="consent-text">${consent.text || text.consentDefault}</p>
      <div class="consent-check">
        <input type="checkbox" id="consent" aria-describedby="consent-text" aria-disabled=${busy ? 'true' : 'false'} .checked=${busy} @change=${agree} />
        <label for="consent">${text.consentLabel}</label>
      </div>
    </div>`;
  };

  const renderConfirm = (text: PrivacyStrings) =>
    confirming
      ? html`<div
          class="confirm"
          role="alertdialog"
          aria-labelledby="delete-question"
          @keydown=${(event: KeyboardEvent) => {
            if (event.key !== 'Escape') return;
            event.stopPropagation();
            void cancelDelete();
          }}
        >
          <p id="delete-question">${text.deleteQuestion}</p>
          <div class="actions">
            <button type="button" class="danger" aria-disabled=${busy ? 'true' : 'false'} @click=${deleteConversation}>${text.deleteConfirm}</button>
            <button type="button" class="link" @click=${cancelDelete}>${host().text.cancel}</button>
          </div>
        </div>`
      : nothing;

  return {
    openMenu,

    menu(icon) {
      const { client, text } = host();
      const privacy = strings();
      return html`<div class="menu" @focusout=${(event: FocusEvent) => {
        if (menuOpen && !(event.currentTarget as HTMLElement).contains(event.relatedTarget as Node | null)) void closeMenu(false);
      }}>
        <button
          part="menu-button"
          class="close menu-button"
          type="button"
          aria-label=${text.menu}
          aria-haspopup="menu"
          aria-expanded=${menuOpen ? 'true' : 'false'}
          aria-controls=${menuOpen ? 'chat-menu' : nothing}
          @click=${() => void (menuOpen ? closeMenu(true) : openMenu())}
          @keydown=${(event: KeyboardEvent) => {
            if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
            event.preventDefault();
            void openMenu();
          }}
        >
          ${icon}
        </button>
        ${menuOpen
          ? html`<ul part="menu" id="chat-menu" role="menu" aria-label=${text.menu} @keydown=${onMenuKeydown}>
              <li role="none"><button type="button" role="menuitem" tabindex="-1" @click=${download}>${privacy.downloadConversation}</button></li>
              ${client?.canDeleteConversation
                ? html`<li role="none" class="destructive"><button type="button" role="menuitem" tabindex="-1" @click=${askToDelete}>${privacy.deleteConversation}</button></li>`
                : nothing}
            </ul>`
          : nothing}
      </div>`;
    },

    panel() {
      const text = strings();
      // "Deleted" holds until the next conversation has begun.
      const shown = status === text.conversationDeleted && host().client?.messages.length ? '' : status;
      return html`<div class="privacy">
        ${renderConsent(text)} ${renderConfirm(text)}
        <p class="notice" role="status">${shown}</p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      </div>`;
    },

    tombstone() {
      return html`<p part="text erased" class="text erased">${strings().messageDeleted}</p>`;
    },
  };
}
