import { html, nothing, render, type TemplateResult } from 'lit/html.js';
import type { ChatMessage } from '../../src/protocol.js';
import { addStyles } from '../shared/add-styles.js';
import { ChatClient, type OutgoingMessage } from '../clients/chat-client.js';
import { statusText } from '../clients/connection.js';
import { panelCss } from './chat-panel.styles.js';
import type { ChatWidgetEventMap, ChatWidgetSettings } from './chat-widget.js';
import { renderText } from '../shared/render-text.js';
import { connectionOf } from '../clients/storage-keys.js';
import type { ChatStrings } from './strings.js';

/** What the window needs of its `<chat-widget>`: its events go out from there. */
export interface PanelWidget extends EventTarget {
  hide(): void;
  unreadChanged(count: number): void;
}

/** The widget's settings, with its strings resolved (the launcher has them already). */
export type PanelSettings = ChatWidgetSettings & { text: ChatStrings };

/** Changing any of these means another chat, or another visitor: a new connection. */
const CONNECTION_KEYS = ['server', 'basePath', 'room', 'inbox', 'userId', 'userHash'] as const;

type FieldName = 'name' | 'email' | 'phone';

/**
 * The chat window of a `<chat-widget>`, loaded when it is first needed (see chat-widget.ts): the
 * connection, the messages, the composer and the details form. It renders with lit-html into the
 * widget's shadow root, beside the launcher, so the widget's parts, slots and styles are its own;
 * it needs no element of its own, nor the rest of Lit.
 */
export class ChatPanel {
  readonly #widget: PanelWidget;
  /** Where the window renders: the widget's wrapper, after the launcher. */
  readonly #container: HTMLElement;
  #settings: PanelSettings;
  #client: ChatClient | undefined;
  #renderQueued = false;
  #rendered: Promise<void> = Promise.resolve();
  #wasOpen = false;

  #unread = 0;
  #detailsOpen = false;
  #fieldErrors: Partial<Record<FieldName, string>> = {};
  #detailsNotice = '';
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

  private async openDetails(): Promise<void> {
    this.#detailsOpen = true;
    this.#detailsNotice = '';
    this.#requestRender();
    await this.#rendered;
    this.#container.querySelector<HTMLElement>('#details-name')?.focus();
  }

  private async closeDetails(): Promise<void> {
    this.#detailsOpen = false;
    this.#fieldErrors = {};
    this.#requestRender();
    await this.#rendered;
    this.#input?.focus();
  }

  private async onDetailsSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const details = {
      name: String(data.get('name') ?? ''),
      email: String(data.get('email') ?? ''),
      phone: String(data.get('phone') ?? ''),
    };
    const ack = await this.#client!.saveDetails(details);
    if (ack.ok) {
      this.#fieldErrors = {};
      this.#detailsOpen = false;
      this.#detailsNotice = this.#settings.text.detailsSaved;
      this.#requestRender();
      await this.#rendered;
      this.#input?.focus();
      return;
    }
    this.#fieldErrors = (ack.error.fields ?? {}) as Partial<Record<FieldName, string>>;
    this.#detailsNotice = ack.error.fields ? '' : ack.error.message;
    this.#requestRender();
    await this.#rendered;
    const firstInvalid = (['name', 'email', 'phone'] as const).find((field) => this.#fieldErrors[field]);
    if (firstInvalid) this.#container.querySelector<HTMLElement>(`#details-${firstInvalid}`)?.focus();
  }

  #render(): TemplateResult {
    const text = this.#settings.text;
    const client = this.#client;
    return html`
        <section
          part="panel"
          id="panel"
          class=${this.#needsDetails || this.#detailsOpen ? 'panel details-open' : 'panel'}
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
                ${this.#settings.collectDetails !== 'off' && !this.#needsDetails && !this.#detailsOpen
                  ? html`<button type="button" class="link" aria-expanded="false" @click=${() => this.openDetails()}>
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
          ${this.renderDetails()}
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
    const own = message.sender.id === this.#client?.visitorId;
    const team = message.sender.role === 'operator';
    const time = new Date(message.timestamp);
    // In a conversation, "Seen" once an operator read up to it.
    const seen = own && this.#settings.inbox && message.seq <= (this.#client?.conversation?.operatorReadSeq ?? 0);
    return html`<li
      part=${own ? 'message message-own' : team ? 'message message-team' : 'message'}
      class=${own ? 'message own' : team ? 'message team' : 'message'}
    >
      <span part="sender" class="sender">${own ? this.#settings.text.you : message.sender.name}</span>
      <p part="text" class="text">${renderText(message.message)}</p>
      <span class="meta">
        <time datetime=${message.timestamp}>${time.toLocaleTimeString(this.#settings.lang || undefined, { hour: '2-digit', minute: '2-digit' })}</time>
        ${own ? html`<span class="state">${seen ? this.#settings.text.seen : this.#settings.text.sent}</span>` : nothing}
      </span>
    </li>`;
  }

  private renderOutgoing(entry: OutgoingMessage): TemplateResult {
    const failed = entry.status === 'failed';
    return html`<li part=${`message message-own message-${entry.status}`} class="message own ${entry.status}">
      <span part="sender" class="sender">${this.#settings.text.you}</span>
      <p part="text" class="text">${renderText(entry.message)}</p>
      <span class="meta">
        <span class="state">${failed ? `${this.#settings.text.failed}${entry.error ? `: ${entry.error.message}` : ''}` : this.#settings.text.sending}</span>
        ${failed
          ? html`<button type="button" class="link" @click=${() => this.#client?.retry(entry.clientId)}>${this.#settings.text.retry}</button>`
          : nothing}
      </span>
    </li>`;
  }

  private renderDetails(): TemplateResult | typeof nothing {
    const text = this.#settings.text;
    if (this.#settings.collectDetails === 'off') return nothing;
    const user = this.#client?.user;
    if (!this.#needsDetails && !this.#detailsOpen) {
      return this.#detailsNotice ? html`<p class="notice" role="status">${this.#detailsNotice}</p>` : nothing;
    }
    const field = (name: FieldName, label: string, type: string, autocomplete: string, value = '', hint = '') => {
      const error = this.#fieldErrors[name];
      const describedBy = [hint ? `details-${name}-hint` : '', error ? `details-${name}-error` : ''].filter(Boolean).join(' ');
      return html`<div class="field">
        <label for="details-${name}">${label}</label>
        <input
          id="details-${name}"
          name=${name}
          type=${type}
          autocomplete=${autocomplete}
          .value=${value}
          ?required=${name !== 'phone'}
          aria-invalid=${error ? 'true' : 'false'}
          aria-describedby=${describedBy || nothing}
        />
        ${hint ? html`<span class="hint" id="details-${name}-hint">${hint}</span>` : nothing}
        ${error ? html`<span class="error" id="details-${name}-error">${error}</span>` : nothing}
      </div>`;
    };
    return html`<form part="form" class="details" novalidate @submit=${this.onDetailsSubmit} aria-labelledby="details-title">
      <h3 id="details-title">${text.detailsTitle}</h3>
      <p class="hint">${this.#needsDetails ? text.detailsRequired : text.detailsIntro}</p>
      ${field('name', text.name, 'text', 'name', user?.name)}
      ${field('email', text.email, 'email', 'email', user?.email)}
      ${field('phone', text.phone, 'tel', 'tel', user?.phone, text.phoneHint)}
      ${this.#detailsNotice ? html`<p class="error" role="alert">${this.#detailsNotice}</p>` : nothing}
      <div class="actions">
        <button type="submit" class="primary">${text.saveDetails}</button>
        ${this.#needsDetails
          ? nothing
          : html`<button type="button" class="link" @click=${() => this.closeDetails()}>${text.cancel}</button>`}
      </div>
    </form>`;
  }
}

/** Starts the chat window for `widget` in `container`, adding its styles to the widget's shadow root. */
export function createPanel(widget: PanelWidget, container: HTMLElement, settings: PanelSettings): ChatPanel {
  addStyles(container.getRootNode() as ShadowRoot, panelCss);
  return new ChatPanel(widget, container, settings);
}
