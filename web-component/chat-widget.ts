import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { ChatErrorPayload, ChatMessage, VisitorDetails } from '../src/protocol.js';
import { ChatClient, type OutgoingMessage } from './chat-client.js';
import { styles } from './chat-widget.styles.js';
import { renderText } from './render-text.js';
import { resolveStrings, type ChatStrings } from './strings.js';

export type CollectDetails = 'off' | 'optional' | 'required';

export interface ChatWidgetEventMap {
  'chat-open': CustomEvent<void>;
  'chat-close': CustomEvent<void>;
  'chat-message': CustomEvent<{ message: ChatMessage; own: boolean }>;
  'chat-error': CustomEvent<{ error: ChatErrorPayload }>;
  'chat-details': CustomEvent<{ user: VisitorDetails }>;
}

type FieldName = 'name' | 'email' | 'phone';

/**
 * A live chat for any page: a launcher button that opens a chat window with the room's messages,
 * an input and Send, and a form for the visitor's details. With `inbox`, the window is instead the
 * visitor's private conversation with the site's team.
 *
 * @summary Real-time chat window backed by a parley-chat server.
 * @tagname chat-widget
 *
 * @slot intro - Shown at the top of the open window, e.g. opening hours.
 * @slot launcher-icon - Replaces the launcher's chat icon.
 *
 * @event chat-open - The window opened.
 * @event chat-close - The window closed.
 * @event chat-message - A message arrived or was sent. `detail: { message, own }`.
 * @event chat-error - The server refused something. `detail: { error: { code, message, fields? } }`.
 * @event chat-details - The visitor saved their details. `detail: { user }`.
 *
 * @csspart base - The wrapper of launcher and window.
 * @csspart launcher - The round button that opens and closes the window.
 * @csspart badge - The unread count on the launcher.
 * @csspart panel - The chat window.
 * @csspart header - The window's header: heading, status, close button.
 * @csspart heading - The heading text.
 * @csspart status - Connection status and online count.
 * @csspart close-button - The header's close button.
 * @csspart log - The message list.
 * @csspart message - Each message.
 * @csspart message-own - The visitor's own messages (also `message`).
 * @csspart message-team - Replies from the site's team, in a support conversation (also `message`).
 * @csspart message-pending - Own messages not yet acknowledged by the server.
 * @csspart message-failed - Own messages the server refused; they offer Retry.
 * @csspart sender - A message's sender name.
 * @csspart text - A message's text.
 * @csspart form - The visitor details form.
 * @csspart notice - A line about the conversation, e.g. that it was resolved.
 * @csspart composer - The form holding the input and Send.
 * @csspart input - The message input.
 * @csspart send-button - The Send button.
 *
 * @cssproperty --chat-accent - Launcher, own messages and buttons. Default `#2563eb`.
 * @cssproperty --chat-accent-contrast - Text on the accent colour. Default `#ffffff`.
 * @cssproperty --chat-background - Window background.
 * @cssproperty --chat-foreground - Text colour.
 * @cssproperty --chat-muted - Secondary text.
 * @cssproperty --chat-border - Borders and separators.
 * @cssproperty --chat-bubble - Other people's messages.
 * @cssproperty --chat-error - Error text.
 * @cssproperty --chat-font - Font family. Default the system UI font.
 * @cssproperty --chat-radius - Corner radius. Default `14px`.
 * @cssproperty --chat-width - Window width. Default `370px`.
 * @cssproperty --chat-height - Window height. Default `560px`.
 * @cssproperty --chat-offset - Distance from the viewport edges. Default `20px`.
 * @cssproperty --chat-launcher-size - Diameter of the launcher. Default `56px`.
 * @cssproperty --chat-z-index - Stacking order. Default `2147483000`.
 */
export class ChatWidget extends LitElement {
  static override styles = styles;

  /** Origin of the chat server; empty for the page's own origin. */
  @property() server = '';
  /** The server's `basePath`. */
  @property({ attribute: 'base-path' }) basePath = '/chat';
  /** The public room to join; ignored when `inbox` is set. */
  @property() room = 'lobby';
  /**
   * A support inbox (e.g. `support`): the window becomes the visitor's private conversation with
   * the site's team instead of a public room.
   */
  @property() inbox = '';
  /** The window's heading; defaults to the language's "Chat with us". */
  @property() heading = '';
  @property({ reflect: true }) position: 'bottom-right' | 'bottom-left' = 'bottom-right';
  @property({ reflect: true }) theme: 'light' | 'dark' | 'auto' = 'light';
  /** Picks the built-in strings (`en`, `es`); unknown languages fall back to English. */
  @property() override lang = '';
  /** Whether the window asks for name, email and phone. */
  @property({ attribute: 'collect-details' }) collectDetails: CollectDetails = 'optional';
  /** Identity verification: the host app's user id and HMAC-SHA256(userId, secret) in hex. */
  @property({ attribute: 'user-id' }) userId = '';
  @property({ attribute: 'user-hash' }) userHash = '';
  /** Replaces any of the built-in strings. */
  @property({ attribute: false }) strings: Partial<ChatStrings> = {};
  /** Whether the window is open. */
  @property({ type: Boolean, reflect: true }) open = false;

  @state() private unread = 0;
  @state() private detailsOpen = false;
  @state() private fieldErrors: Partial<Record<FieldName, string>> = {};
  @state() private detailsNotice = '';
  @state() private draft = '';

  @query('.launcher') private launcher!: HTMLButtonElement;
  @query('.log') private log!: HTMLElement;
  @query('textarea') private input?: HTMLTextAreaElement;

  private client: ChatClient | undefined;
  /** Scroll height before older messages were added, to keep the visitor's place. */
  private heightBeforeOlder: number | undefined;
  private stickToBottom = true;

  /** The strings in use, resolved when `lang` or `strings` change rather than on every render. */
  private text: ChatStrings = resolveStrings(undefined);

  override connectedCallback(): void {
    super.connectedCallback();
    this.startClient();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.client?.disconnect();
    this.client = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('lang') || changed.has('strings')) this.text = resolveStrings(this.lang, this.strings);
    const connectionKeys = ['server', 'basePath', 'room', 'inbox', 'userId', 'userHash'] as const;
    if (this.client && connectionKeys.some((key) => changed.has(key) && changed.get(key) !== undefined)) {
      this.client.disconnect();
      this.client = undefined;
      this.startClient();
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    // What the visitor sees with the window open is read: the team sees "Seen".
    if (this.open && this.inbox) void this.client?.markRead();
    if (!this.log) return;
    if (this.heightBeforeOlder !== undefined) {
      this.log.scrollTop += this.log.scrollHeight - this.heightBeforeOlder;
      this.heightBeforeOlder = undefined;
    } else if (this.stickToBottom || (changed.has('open') && this.open)) {
      this.log.scrollTop = this.log.scrollHeight;
    }
  }

  /** Opens the window and moves focus into it. */
  show(): void {
    if (this.open) return;
    this.open = true;
    this.unread = 0;
    this.emit('chat-open');
    void this.updateComplete.then(() => this.focusFirstField());
  }

  /** Closes the window and returns focus to the launcher. */
  hide(): void {
    if (!this.open) return;
    this.open = false;
    this.emit('chat-close');
    void this.updateComplete.then(() => this.launcher.focus());
  }

  private startClient(): void {
    if (this.client) return;
    const server = this.server.replace(/\/+$/, '');
    const target = this.inbox ? { inbox: this.inbox } : { room: this.room };
    this.client = new ChatClient(
      { server, basePath: this.basePath.replace(/\/+$/, ''), target, userId: this.userId, userHash: this.userHash },
      {
        change: () => this.requestUpdate(),
        message: (message, own) => {
          // In a conversation the badge is the team's unread replies, which the server keeps.
          if (!this.open && !own && !this.inbox) this.unread++;
          this.emit('chat-message', { message, own });
        },
        error: (error) => this.emit('chat-error', { error }),
        details: (user) => this.emit('chat-details', { user }),
      },
    );
    this.client.connect();
  }

  private emit<K extends keyof ChatWidgetEventMap>(
    name: K,
    ...[detail]: ChatWidgetEventMap[K]['detail'] extends void ? [] : [ChatWidgetEventMap[K]['detail']]
  ): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /**
   * The details form comes before the first message when the host requires it, and in a support
   * conversation while nobody of the team is online: an email is how the answer reaches them.
   */
  private get needsDetails(): boolean {
    const client = this.client;
    if (this.collectDetails === 'off' || client?.user) return false;
    if (this.collectDetails === 'required') return true;
    return Boolean(this.inbox) && client?.teamOnline === 0 && !client.conversation && client.messages.length === 0;
  }

  /** The launcher's count: the team's unread replies in a conversation, new room messages otherwise. */
  private get unreadCount(): number {
    if (!this.inbox) return this.unread;
    return this.open ? 0 : (this.client?.unreadReplies ?? 0);
  }

  private focusFirstField(): void {
    const field = this.renderRoot.querySelector<HTMLElement>(this.needsDetails ? '#details-name' : 'textarea');
    field?.focus();
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.stopPropagation();
      this.hide();
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
    this.draft = (event.target as HTMLTextAreaElement).value;
    this.client?.setTyping(this.draft.trim().length > 0);
  }

  private onSubmit(event: Event): void {
    event.preventDefault();
    this.sendDraft();
  }

  private sendDraft(): void {
    if (!this.client || this.needsDetails || !this.draft.trim()) return;
    this.client.send(this.draft);
    this.draft = '';
    this.stickToBottom = true;
    this.input?.focus();
  }

  private onScroll(): void {
    const log = this.log;
    this.stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    if (log.scrollTop < 40) this.loadOlder();
  }

  private loadOlder(): void {
    if (!this.client?.hasMore || this.client.loadingOlder) return;
    this.heightBeforeOlder = this.log.scrollHeight;
    void this.client.loadOlder();
  }

  private async openDetails(): Promise<void> {
    this.detailsOpen = true;
    this.detailsNotice = '';
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#details-name')?.focus();
  }

  private async closeDetails(): Promise<void> {
    this.detailsOpen = false;
    this.fieldErrors = {};
    await this.updateComplete;
    this.input?.focus();
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
    const ack = await this.client!.saveDetails(details);
    if (ack.ok) {
      this.fieldErrors = {};
      this.detailsOpen = false;
      this.detailsNotice = this.text.detailsSaved;
      await this.updateComplete;
      this.input?.focus();
      return;
    }
    this.fieldErrors = (ack.error.fields ?? {}) as Partial<Record<FieldName, string>>;
    this.detailsNotice = ack.error.fields ? '' : ack.error.message;
    await this.updateComplete;
    const firstInvalid = (['name', 'email', 'phone'] as const).find((field) => this.fieldErrors[field]);
    if (firstInvalid) this.renderRoot.querySelector<HTMLElement>(`#details-${firstInvalid}`)?.focus();
  }

  protected override render(): TemplateResult {
    const text = this.text;
    const client = this.client;
    return html`
      <div part="base" class="base">
        <button
          part="launcher"
          class="launcher"
          type="button"
          aria-expanded=${this.open ? 'true' : 'false'}
          aria-controls="panel"
          aria-label=${this.unreadCount ? `${text.openChat}, ${text.unread(this.unreadCount)}` : this.open ? text.hideChat : text.openChat}
          @click=${() => (this.open ? this.hide() : this.show())}
        >
          <slot name="launcher-icon">
            <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" />
            </svg>
          </slot>
          ${this.unreadCount ? html`<span part="badge" class="badge" aria-hidden="true">${this.unreadCount}</span>` : nothing}
        </button>
        <section
          part="panel"
          id="panel"
          class=${this.needsDetails || this.detailsOpen ? 'panel details-open' : 'panel'}
          role="dialog"
          aria-labelledby="heading"
          ?hidden=${!this.open}
          @keydown=${this.onKeydown}
        >
          <header part="header" class="header">
            <div>
              <h2 part="heading" id="heading">${this.heading || text.heading}</h2>
              <div class="status-row">
                <p part="status" class="status" data-status=${client?.status ?? 'connecting'}>
                  <span class="dot" aria-hidden="true"></span>
                  ${client?.status === 'online'
                    ? this.onlineText()
                    : client?.status === 'refused'
                      ? (client.refusal?.message ?? text.offline)
                      : client?.status === 'offline'
                        ? text.offline
                        : text.connecting}
                </p>
                ${this.collectDetails !== 'off' && !this.needsDetails && !this.detailsOpen
                  ? html`<button type="button" class="link" aria-expanded="false" @click=${() => this.openDetails()}>
                      ${client?.user ? text.editDetails : text.addDetails}
                    </button>`
                  : nothing}
              </div>
            </div>
            <button part="close-button" class="close" type="button" aria-label=${text.closeChat} @click=${() => this.hide()}>
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
              .value=${this.draft}
              ?disabled=${this.needsDetails}
              @keydown=${this.onInputKeydown}
              @input=${this.onInput}
            ></textarea>
            <button part="send-button" class="send" type="submit" ?disabled=${this.needsDetails || !this.draft.trim()}>
              ${text.send}
            </button>
          </form>
        </section>
      </div>
    `;
  }

  /** The status line when connected: who is there to answer. */
  private onlineText(): string {
    const { client, text } = this;
    if (!client) return text.connected;
    if (this.inbox) {
      if (client.teamOnline === undefined) return text.connected;
      return client.teamOnline > 0 ? text.teamOnline : text.teamAway;
    }
    return client.online ? `${text.connected} · ${text.online(client.online)}` : text.connected;
  }

  private renderMessage(message: ChatMessage): TemplateResult {
    const own = message.sender.id === this.client?.visitorId;
    const team = message.sender.role === 'operator';
    const time = new Date(message.timestamp);
    // In a conversation, "Seen" once an operator read up to it.
    const seen = own && this.inbox && message.seq <= (this.client?.conversation?.operatorReadSeq ?? 0);
    return html`<li
      part=${own ? 'message message-own' : team ? 'message message-team' : 'message'}
      class=${own ? 'message own' : team ? 'message team' : 'message'}
    >
      <span part="sender" class="sender">${own ? this.text.you : message.sender.name}</span>
      <p part="text" class="text">${renderText(message.message)}</p>
      <span class="meta">
        <time datetime=${message.timestamp}>${time.toLocaleTimeString(this.lang || undefined, { hour: '2-digit', minute: '2-digit' })}</time>
        ${own ? html`<span class="state">${seen ? this.text.seen : this.text.sent}</span>` : nothing}
      </span>
    </li>`;
  }

  private renderOutgoing(entry: OutgoingMessage): TemplateResult {
    const failed = entry.status === 'failed';
    return html`<li part=${`message message-own message-${entry.status}`} class="message own ${entry.status}">
      <span part="sender" class="sender">${this.text.you}</span>
      <p part="text" class="text">${renderText(entry.message)}</p>
      <span class="meta">
        <span class="state">${failed ? `${this.text.failed}${entry.error ? `: ${entry.error.message}` : ''}` : this.text.sending}</span>
        ${failed
          ? html`<button type="button" class="link" @click=${() => this.client?.retry(entry.clientId)}>${this.text.retry}</button>`
          : nothing}
      </span>
    </li>`;
  }

  private renderDetails(): TemplateResult | typeof nothing {
    const text = this.text;
    if (this.collectDetails === 'off') return nothing;
    const user = this.client?.user;
    if (!this.needsDetails && !this.detailsOpen) {
      return this.detailsNotice ? html`<p class="notice" role="status">${this.detailsNotice}</p>` : nothing;
    }
    const field = (name: FieldName, label: string, type: string, autocomplete: string, value = '', hint = '') => {
      const error = this.fieldErrors[name];
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
      <p class="hint">${this.needsDetails ? text.detailsRequired : text.detailsIntro}</p>
      ${field('name', text.name, 'text', 'name', user?.name)}
      ${field('email', text.email, 'email', 'email', user?.email)}
      ${field('phone', text.phone, 'tel', 'tel', user?.phone, text.phoneHint)}
      ${this.detailsNotice ? html`<p class="error" role="alert">${this.detailsNotice}</p>` : nothing}
      <div class="actions">
        <button type="submit" class="primary">${text.saveDetails}</button>
        ${this.needsDetails
          ? nothing
          : html`<button type="button" class="link" @click=${() => this.closeDetails()}>${text.cancel}</button>`}
      </div>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-widget': ChatWidget;
  }
  interface GlobalEventHandlersEventMap extends ChatWidgetEventMap {}
}
