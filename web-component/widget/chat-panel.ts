import { html, nothing, render, type TemplateResult } from 'lit/html.js';
import type { ChatMessage } from '../../src/protocol.js';
import { addStyles } from '../shared/add-styles.js';
import { ChatClient, type OutgoingMessage } from '../clients/chat-client.js';
import { statusText } from '../clients/connection.js';
import { panelCss } from './chat-panel.styles.js';
import { DetailsForm } from './details-form.js';
import type { ChatWidgetEventMap, PanelHandle, PanelSettings, PanelWidget } from './settings.js';
import { clockTime, outgoingState } from '../shared/message-meta.js';
import { renderText } from '../shared/render-text.js';
import { connectionOf } from '../clients/storage-keys.js';

/** Changing any of these means another chat, or another visitor: a new connection. */
const CONNECTION_KEYS = ['server', 'basePath', 'room', 'inbox', 'userId', 'userHash'] as const;

/**
 * The chat window of a `<chat-widget>`, loaded when it is first needed (see chat-widget.ts): the
 * connection, the messages, the composer and the details form. It renders with lit-html into the
 * widget's shadow root, beside the launcher, so the widget's parts, slots and styles are its own;
 * it needs no element of its own, nor the rest of Lit.
 */
export class ChatPanel implements PanelHandle {
  readonly #widget: PanelWidget;
  /** Where the window renders: the widget's wrapper, after the launcher. */
  readonly #container: HTMLElement;
  #settings: PanelSettings;
  #client: ChatClient | undefined;
  #renderQueued = false;
  #rendered: Promise<void> = Promise.resolve();
  #wasOpen = false;

  #unread = 0;
  readonly #details = new DetailsForm({
    rerender: () => {
      this.#requestRender();
      return this.#rendered;
    },
    focus: (selector) => this.#container.querySelector<HTMLElement>(selector)?.focus(),
    save: (details) => this.#client!.saveDetails(details),
  });
  #draft = '';
  /** Scroll height before older messages were added, to keep the visitor's place. */
  #heightBeforeOlder: number | undefined;
  #stickToBottom = true;

  constructor(widget: PanelWidget, container: HTMLElement, settings: PanelSettings) {
    this.#widget = widget;
    this.#container = container;
    this.#settings = settings;
    this.#startClient();
    this.#requestRender();
  }

  /** The widget's attributes changed: show them, and reconnect if they name another chat. */
  update(settings: PanelSettings): void {
    const previous = this.#settings;
    this.#settings = settings;
    if (settings.open && !previous.open) this.#unread = 0;
    if (CONNECTION_KEYS.some((key) => settings[key] !== previous[key])) {
      this.#client?.disconnect();
      this.#client = undefined;
      this.#startClient();
    }
    this.#requestRender();
  }

  /** Closes the connection; the widget left the page. */
  stop(): void {
    this.#client?.disconnect();
    this.#client = undefined;
    render(nothing, this.#container, { host: this });
  }

  /** Resolves once what was asked for so far is on screen. */
  get rendered(): Promise<void> {
    return this.#rendered;
  }

  get #log(): HTMLElement | null {
    return this.#container.querySelector('.log');
  }

  get #input(): HTMLTextAreaElement | null {
    return this.#container.querySelector('textarea');
  }

  /** Renders once per task, however many changes came in it. */
  #requestRender(): void {
    if (this.#renderQueued) return;
    this.#renderQueued = true;
    this.#rendered = Promise.resolve().then(() => {
      this.#renderQueued = false;
      render(this.#render(), this.#container, { host: this });
      this.#afterRender();
    });
  }

  #afterRender(): void {
    const { open, inbox } = this.#settings;
    const opened = open && !this.#wasOpen;
    this.#wasOpen = open;
    this.#widget.unreadChanged(this.#unreadCount);
    // What the visitor sees with the window open is read: the team sees "Seen".
    if (open && inbox) void this.#client?.markRead();
    const log = this.#log;
    if (!log) return;
    if (this.#heightBeforeOlder !== undefined) {
      log.scrollTop += log.scrollHeight - this.#heightBeforeOlder;
      this.#heightBeforeOlder = undefined;
    } else if (this.#stickToBottom || opened) {
      log.scrollTop = log.scrollHeight;
    }
  }

  #startClient(): void {
    const settings = this.#settings;
    const { server, basePath, target } = connectionOf(settings);
    this.#client = new ChatClient(
      { server, basePath, target, userId: settings.userId, userHash: settings.userHash },
      {
        change: () => this.#requestRender(),
        message: (message, own) => {
          // In a conversation the badge is the team's unread replies, which the server keeps.
          if (!this.#settings.open && !own && !this.#settings.inbox) {
            this.#unread++;
            this.#requestRender();
          }
          this.#emit('chat-message', { message, own });
        },
        error: (error) => this.#emit('chat-error', { error }),
        details: (user) => this.#emit('chat-details', { user }),
      },
    );
    this.#client.connect();
  }

  #emit<K extends keyof ChatWidgetEventMap>(name: K, detail: ChatWidgetEventMap[K]['detail']): void {
    this.#widget.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /**
   * The details form comes before the first message when the host requires it, and in a support
   * conversation while nobody of the team is online: an email is how the answer reaches them.
   */
  get #needsDetails(): boolean {
    const client = this.#client;
    const { collectDetails, inbox } = this.#settings;
    if (collectDetails === 'off' || client?.user) return false;
    if (collectDetails === 'required') return true;
    return Boolean(inbox) && client?.teamOnline === 0 && !client.conversation && client.messages.length === 0;
  }

  /** The launcher's count: the team's unread replies in a conversation, new room messages otherwise. */
  get #unreadCount(): number {
    if (!this.#settings.inbox) return this.#unread;
    return this.#settings.open ? 0 : (this.#client?.unreadReplies ?? 0);
  }

  /** Moves focus into the window: the details form when it comes first, else the message input. */
  focusFirstField(): void {
    this.#container.querySelector<HTMLElement>(this.#needsDetails ? '#details-name' : 'textarea')?.focus();
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.stopPropagation();
      this.#widget.hide();
    }
  }

  private onInputKeydown(event: KeyboardEvent): void {
    // Enter sends; Shift+Enter (and Enter while an IME composes) makes a new line.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.sendDraft();
    }
  }

  private onInput(event: Event): void {
    this.#draft = (event.target as HTMLTextAreaElement).value;
    this.#client?.setTyping(this.#draft.trim().length > 0);
    this.#requestRender();
  }

  private onSubmit(event: Event): void {
    event.preventDefault();
    this.sendDraft();
  }

  private sendDraft(): void {
    if (!this.#client || this.#needsDetails || !this.#draft.trim()) return;
    this.#client.send(this.#draft);
    this.#draft = '';
    this.#stickToBottom = true;
    this.#requestRender();
    this.#input?.focus();
  }

  private onScroll(): void {
    const log = this.#log;
    if (!log) return;
    this.#stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    if (log.scrollTop < 40) this.loadOlder();
  }

  private loadOlder(): void {
    if (!this.#client?.hasMore || this.#client.loadingOlder) return;
    this.#heightBeforeOlder = this.#log?.scrollHeight;
    void this.#client.loadOlder();
  }

  #render(): TemplateResult {
    const text = this.#settings.text;
    const client = this.#client;
    return html`
        <section
          part="panel"
          id="panel"
          class=${this.#needsDetails || this.#details.opened ? 'panel details-open' : 'panel'}
          role="dialog"
          aria-labelledby="heading"
          ?hidden=${!this.#settings.open}
          @keydown=${this.onKeydown}
        >
          <header part="header" class="header">
            <div>
              <h2 part="heading" id="heading">${this.#settings.heading || text.heading}</h2>
              <div class="status-row">
                <p part="status" class="status" data-status=${client?.status ?? 'connecting'}>
                  <span class="dot" aria-hidden="true"></span>
                  ${statusText(client, text, this.onlineText())}
                </p>
                ${this.#settings.collectDetails !== 'off' && !this.#needsDetails && !this.#details.opened
                  ? html`<button type="button" class="link" aria-expanded="false" @click=${() => this.#details.open()}>
                      ${client?.user ? text.editDetails : text.addDetails}
                    </button>`
                  : nothing}
              </div>
            </div>
            <button part="close-button" class="close" type="button" aria-label=${text.closeChat} @click=${() => this.#widget.hide()}>
              <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6L6 18" /></svg>
            </button>
          </header>
          <slot name="intro"></slot>
          ${client?.conversation?.status === 'resolved'
            ? html`<p part="notice" class="notice resolved" role="status">${text.resolved}</p>`
            : nothing}
          <div part="log" class="log" role="log" aria-live="polite" aria-label=${text.messages} tabindex="0" @scroll=${this.onScroll}>
            <ol class="messages">
              ${client?.hasMore
                ? html`<li class="older">
                    <button type="button" class="link" ?disabled=${client.loadingOlder} @click=${() => this.loadOlder()}>
                      ${text.loadOlder}
                    </button>
                  </li>`
                : nothing}
              ${(client?.messages ?? []).map((message) => this.renderMessage(message))}
              ${(client?.outbox ?? []).map((entry) => this.renderOutgoing(entry))}
            </ol>
          </div>
          <p class="typing" aria-live="polite">${client?.typingNames.length ? text.typing(client.typingNames) : ''}</p>
          ${this.#settings.collectDetails === 'off' ? nothing : this.#details.render(this.#needsDetails, client?.user, text)}
          <form part="composer" class="composer" @submit=${this.onSubmit}>
            <label for="message-input" class="visually-hidden">${text.messageLabel}</label>
            <textarea
              part="input"
              id="message-input"
              rows="1"
              placeholder=${text.placeholder}
              maxlength="2000"
              .value=${this.#draft}
              ?disabled=${this.#needsDetails}
              @keydown=${this.onInputKeydown}
              @input=${this.onInput}
            ></textarea>
            <button part="send-button" class="send" type="submit" ?disabled=${this.#needsDetails || !this.#draft.trim()}>
              ${text.send}
            </button>
          </form>
        </section>
    `;
  }

  /** The status line when connected: who is there to answer. */
  private onlineText(): string {
    const client = this.#client;
    const { text } = this.#settings;
    if (!client) return text.connected;
    if (this.#settings.inbox) {
      if (client.teamOnline === undefined) return text.connected;
      return client.teamOnline > 0 ? text.teamOnline : text.teamAway;
    }
    return client.online ? `${text.connected} · ${text.online(client.online)}` : text.connected;
  }

  private renderMessage(message: ChatMessage): TemplateResult {
    const own = message.sender.id === this.#client?.senderId;
    const team = message.sender.role === 'operator';
    // In a conversation, "Seen" once an operator read up to it.
    const seen = own && this.#settings.inbox && message.seq <= (this.#client?.conversation?.operatorReadSeq ?? 0);
    return html`<li
      part=${own ? 'message message-own' : team ? 'message message-team' : 'message'}
      class=${own ? 'message own' : team ? 'message team' : 'message'}
    >
      <span part="sender" class="sender">${own ? this.#settings.text.you : message.sender.name}</span>
      <p part="text" class="text">${renderText(message.message)}</p>
      <span class="meta">
        <time datetime=${message.timestamp}>${clockTime(message.timestamp, this.#settings.lang)}</time>
        ${own ? html`<span class="state">${seen ? this.#settings.text.seen : this.#settings.text.sent}</span>` : nothing}
      </span>
    </li>`;
  }

  private renderOutgoing(entry: OutgoingMessage): TemplateResult {
    return html`<li part=${`message message-own message-${entry.status}`} class="message own ${entry.status}">
      <span part="sender" class="sender">${this.#settings.text.you}</span>
      <p part="text" class="text">${renderText(entry.message)}</p>
      <span class="meta">${outgoingState(entry, this.#settings.text, (clientId) => this.#client?.retry(clientId))}</span>
    </li>`;
  }
}

/** Starts the chat window for `widget` in `container`, adding its styles to the widget's shadow root. */
export function createPanel(widget: PanelWidget, container: HTMLElement, settings: PanelSettings): ChatPanel {
  addStyles(container.getRootNode() as ShadowRoot, panelCss);
  return new ChatPanel(widget, container, settings);
}
