import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { Assignee, ChatErrorPayload, ChatMessage, ConversationSummary } from '../../src/protocol.js';
import { inboxStyles } from './chat-inbox.styles.js';
import { resolveInboxStrings, type InboxStrings } from './strings.js';
import { renderText } from '../shared/render-text.js';
import { statusText } from '../clients/connection.js';
import { OperatorClient, type InboxFilter } from '../clients/operator-client.js';
import type { OutgoingMessage } from '../clients/outbox.js';

export interface ChatInboxEventMap {
  'chat-conversation-open': CustomEvent<{ conversation: ConversationSummary }>;
  'chat-inbox-message': CustomEvent<{ message: ChatMessage; conversation: ConversationSummary | undefined }>;
  'chat-error': CustomEvent<{ error: ChatErrorPayload }>;
}

type Tab = 'mine' | 'unassigned' | 'open' | 'resolved';

const FILTERS: Record<Tab, InboxFilter> = {
  mine: { status: 'open', assignee: 'me' },
  unassigned: { status: 'open', assignee: 'none' },
  open: { status: 'open', assignee: 'any' },
  resolved: { status: 'resolved', assignee: 'any' },
};
const TABS: readonly Tab[] = ['mine', 'unassigned', 'open', 'resolved'];
const CLOCK_TICK_MS = 30_000;

/**
 * The team's inbox for support conversations, for the host app's admin pages: a conversation
 * list with tabs and a conversation pane to answer in. The signed-in user's session decides who
 * the operator is (`operators.identify` on the server).
 *
 * @summary The team's side of parley-chat support conversations.
 * @tagname chat-inbox
 *
 * @event chat-conversation-open - A conversation was opened. `detail: { conversation }`.
 * @event chat-inbox-message - A message arrived in a conversation of the inbox. `detail: { message, conversation }`.
 * @event chat-error - The server refused something. `detail: { error: { code, message } }`.
 *
 * @csspart base - The outer frame holding both panes.
 * @csspart list-pane - The conversation list with its header and tabs.
 * @csspart tabs - The Mine / Unassigned / Open / Resolved tabs.
 * @csspart tab - Each tab.
 * @csspart list - The list of conversations.
 * @csspart conversation - Each conversation in the list.
 * @csspart unread - The unread count of a conversation.
 * @csspart thread-pane - The open conversation.
 * @csspart thread-header - The visitor's name, presence, assignee and the actions.
 * @csspart visitor - The visitor's details.
 * @csspart log - The conversation's messages.
 * @csspart message - Each message (with `message-visitor`, `message-team`, `message-note`).
 * @csspart message-visitor - The visitor's messages.
 * @csspart message-team - The team's replies.
 * @csspart message-note - Notes, which only the team sees.
 * @csspart composer - The reply form.
 * @csspart input - The reply input.
 * @csspart note-switch - The switch that makes the reply a note.
 * @csspart send-button - The Send button.
 *
 * @cssproperty --chat-accent - Selected tab, team replies and buttons. Default `#2563eb`.
 * @cssproperty --chat-accent-contrast - Text on the accent colour. Default `#ffffff`.
 * @cssproperty --chat-background - Background.
 * @cssproperty --chat-foreground - Text colour.
 * @cssproperty --chat-muted - Secondary text.
 * @cssproperty --chat-border - Borders and separators.
 * @cssproperty --chat-bubble - The visitor's messages, and the selected conversation.
 * @cssproperty --chat-note - Notes and the composer in note mode.
 * @cssproperty --chat-error - Error text.
 * @cssproperty --chat-font - Font family. Default the system UI font.
 * @cssproperty --chat-radius - Corner radius. Default `14px`.
 * @cssproperty --chat-inbox-height - Height of the inbox. Default `640px`.
 */
export class ChatInbox extends LitElement {
  static override styles = inboxStyles;

  /** Origin of the chat server; empty for the page's own origin. */
  @property() server = '';
  /** The server's `basePath`. */
  @property({ attribute: 'base-path' }) basePath = '/chat';
  /** One inbox to show; empty for every inbox the operator may read. */
  @property() inbox = '';
  @property({ reflect: true }) theme: 'light' | 'dark' | 'auto' = 'light';
  /** Picks the built-in strings (`en`, `es`); unknown languages fall back to English. */
  @property() override lang = '';
  /** Replaces any of the built-in strings. */
  @property({ attribute: false }) strings: Partial<InboxStrings> = {};
  /** Plays a short sound when a visitor writes. Off unless set. */
  @property({ type: Boolean }) sound = false;

  @state() private tab: Tab = 'open';
  @state() private view: 'list' | 'thread' = 'list';
  @state() private draft = '';
  @state() private noteMode = false;
  @state() private teammates: Assignee[] = [];
  @state() private notice = '';
  @state() private notificationPermission: NotificationPermission | 'unsupported' = 'unsupported';
  @state() private now = Date.now();

  @query('textarea') private input?: HTMLTextAreaElement;
  @query('.log') private log?: HTMLElement;

  private client: OperatorClient | undefined;
  private text: InboxStrings = resolveInboxStrings(undefined);
  /** The page's own title, before the unread count went in front of it. */
  private baseTitle: string | undefined;
  private clock: ReturnType<typeof setInterval> | undefined;
  private audio: AudioContext | undefined;
  private stickToBottom = true;

  override connectedCallback(): void {
    super.connectedCallback();
    this.baseTitle = document.title.replace(/^\(\d+\) /, '');
    if (typeof Notification !== 'undefined') this.notificationPermission = Notification.permission;
    this.clock = setInterval(() => (this.now = Date.now()), CLOCK_TICK_MS);
    this.startClient();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.clock);
    this.client?.disconnect();
    this.client = undefined;
    if (this.baseTitle !== undefined) document.title = this.baseTitle;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('lang') || changed.has('strings')) this.text = resolveInboxStrings(this.lang, this.strings);
    const connectionKeys = ['server', 'basePath', 'inbox'] as const;
    if (this.client && connectionKeys.some((key) => changed.has(key) && changed.get(key) !== undefined)) {
      this.client.disconnect();
      this.client = undefined;
      this.startClient();
    }
  }

  protected override updated(): void {
    const client = this.client;
    if (!client) return;
    // The unread total in the title, where an operator notices it in a background tab.
    const total = client.unreadTotal;
    if (this.baseTitle !== undefined) document.title = total > 0 ? `(${total}) ${this.baseTitle}` : this.baseTitle;
    // An open conversation in view is read.
    if (client.open && this.view === 'thread' && document.visibilityState === 'visible') void client.markRead();
    if (this.log && this.stickToBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  private startClient(): void {
    if (this.client) return;
    this.client = new OperatorClient(
      { server: this.server.replace(/\/+$/, ''), basePath: this.basePath.replace(/\/+$/, ''), inbox: this.inbox },
      {
        change: () => this.requestUpdate(),
        message: (message, conversation) => this.onMessage(message, conversation),
        error: (error) => {
          this.notice = error.message;
          this.emit('chat-error', { error });
        },
      },
    );
    this.client.filter = FILTERS[this.tab];
    this.client.connect();
  }

  private emit<K extends keyof ChatInboxEventMap>(name: K, detail: ChatInboxEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private onMessage(message: ChatMessage, conversation: ConversationSummary | undefined): void {
    this.emit('chat-inbox-message', { message, conversation });
    if (message.sender.role !== 'visitor') return;
    if (this.sound) this.beep();
    const elsewhere = document.visibilityState !== 'visible' || this.client?.open?.id !== conversation?.id;
    if (elsewhere && this.notificationPermission === 'granted') {
      const notification = new Notification(this.text.newMessage(message.sender.name), { body: message.message, tag: conversation?.id });
      notification.onclick = () => {
        window.focus();
        if (conversation) void this.openConversation(conversation.id);
      };
    }
  }

  private beep(): void {
    try {
      this.audio ??= new AudioContext();
      const oscillator = this.audio.createOscillator();
      const gain = this.audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.08;
      oscillator.connect(gain).connect(this.audio.destination);
      oscillator.start();
      oscillator.stop(this.audio.currentTime + 0.12);
    } catch {
      // No audio here (or not allowed before the operator interacted): the title still counts.
    }
  }

  private async enableNotifications(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    this.notificationPermission = await Notification.requestPermission();
  }

  private async selectTab(tab: Tab, focus = false): Promise<void> {
    this.tab = tab;
    const listed = this.client?.setFilter(FILTERS[tab]);
    // Focus moves with the arrow key at once, not after the list arrives.
    if (focus) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>(`#tab-${tab}`)?.focus();
    }
    await listed;
  }

  private onTabKeydown(event: KeyboardEvent): void {
    const index = TABS.indexOf(this.tab);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    void this.selectTab(TABS[(next + TABS.length) % TABS.length]!, true);
  }

  /** Arrow keys move through the list (one tab stop), Enter opens. */
  private onListKeydown(event: KeyboardEvent): void {
    const items = [...this.renderRoot.querySelectorAll<HTMLElement>('[role="option"]')];
    const current = items.indexOf(event.target as HTMLElement);
    if (current === -1) return;
    const target = { ArrowDown: current + 1, ArrowUp: current - 1, Home: 0, End: items.length - 1 }[event.key];
    if (target !== undefined) {
      event.preventDefault();
      const item = items[Math.max(0, Math.min(items.length - 1, target))]!;
      for (const other of items) other.tabIndex = other === item ? 0 : -1;
      item.focus();
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      const id = items[current]!.dataset.id;
      if (id) void this.openConversation(id, true);
    }
  }

  private async openConversation(id: string, focusComposer = false): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.view = 'thread';
    this.notice = '';
    this.draft = '';
    this.noteMode = false;
    this.stickToBottom = true;
    await client.openConversation(id);
    const summary = client.get(id);
    if (summary) this.emit('chat-conversation-open', { conversation: summary });
    void client.teammates().then((teammates) => (this.teammates = teammates));
    if (focusComposer) {
      await this.updateComplete;
      this.input?.focus();
    }
  }

  /** Esc in the conversation goes back to the list, to the conversation it came from. */
  private async backToList(): Promise<void> {
    const id = this.client?.open?.id;
    this.view = 'list';
    await this.updateComplete;
    const item = id ? this.renderRoot.querySelector<HTMLElement>(`[data-id="${id}"]`) : null;
    (item ?? this.renderRoot.querySelector<HTMLElement>('[role="option"]'))?.focus();
  }

  private onThreadKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    void this.backToList();
  }

  private onInputKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.sendDraft();
    }
  }

  private onInput(event: Event): void {
    this.draft = (event.target as HTMLTextAreaElement).value;
    // Notes are between operators: the visitor does not see anyone typing them.
    if (!this.noteMode) this.client?.setTyping(this.draft.trim().length > 0);
  }

  private sendDraft(): void {
    if (!this.client?.open || !this.draft.trim()) return;
    this.client.send(this.draft, this.noteMode);
    this.draft = '';
    this.stickToBottom = true;
    this.input?.focus();
  }

  private onLogScroll(): void {
    const log = this.log;
    if (!log) return;
    this.stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  private async act(action: () => Promise<unknown>): Promise<void> {
    this.notice = '';
    await action();
  }

  protected override render(): TemplateResult {
    const client = this.client;
    return html`<div part="base" class="base" data-view=${this.view}>
      ${this.renderList()} ${client?.open ? this.renderThread() : this.renderNothingOpen()}
    </div>`;
  }

  private renderList(): TemplateResult {
    const { text, client } = this;
    const counts = client?.counts;
    const conversations = client?.conversations ?? [];
    const openId = client?.open?.id;
    const focusable = conversations.findIndex((c) => c.id === openId);
    return html`<section part="list-pane" class="list-pane" aria-labelledby="inbox-heading">
      <header class="list-header">
        <h2 id="inbox-heading">${text.heading}</h2>
        <p class="status" data-status=${client?.status ?? 'connecting'} role="status">
          <span class="dot" aria-hidden="true"></span>${statusText(client, text, text.connected)}
        </p>
        ${this.notificationPermission === 'default'
          ? html`<button type="button" class="link" @click=${() => this.enableNotifications()}>${text.notifications}</button>`
          : nothing}
      </header>
      <div part="tabs" class="tabs" role="tablist" aria-label=${text.filters} @keydown=${this.onTabKeydown}>
        ${TABS.map(
          (tab) => html`<button
            part="tab"
            class="tab"
            id="tab-${tab}"
            role="tab"
            type="button"
            aria-selected=${this.tab === tab ? 'true' : 'false'}
            aria-controls="conversation-list"
            tabindex=${this.tab === tab ? '0' : '-1'}
            @click=${() => this.selectTab(tab)}
          >
            ${text[tab]}${counts ? html`<span class="count">${counts[tab]}</span>` : nothing}
          </button>`,
        )}
      </div>
      ${conversations.length === 0
        ? html`<p class="empty" id="conversation-list" role="tabpanel" aria-labelledby="tab-${this.tab}">${text.empty}</p>`
        : html`<ul
            part="list"
            class="list"
            id="conversation-list"
            role="listbox"
            aria-label=${text.conversations}
            @keydown=${this.onListKeydown}
          >
            ${conversations.map((conversation, i) => this.renderItem(conversation, i === Math.max(0, focusable)))}
          </ul>`}
      ${client?.hasMoreConversations
        ? html`<button type="button" class="link" @click=${() => client.loadMoreConversations()}>${text.loadMore}</button>`
        : nothing}
    </section>`;
  }

  private renderItem(conversation: ConversationSummary, focusable: boolean): TemplateResult {
    const { text } = this;
    const selected = this.client?.open?.id === conversation.id;
    const last = conversation.lastMessage;
    const waitingMinutes = conversation.waitingSince
      ? Math.floor((this.now - new Date(conversation.waitingSince).getTime()) / 60_000)
      : undefined;
    const label = [
      conversation.visitor.name,
      conversation.unread ? text.unread(conversation.unread) : '',
      waitingMinutes === undefined ? '' : text.waiting(waitingMinutes),
      last ? `${last.sender.name}: ${last.message}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return html`<li
      part="conversation"
      class="item"
      role="option"
      data-id=${conversation.id}
      aria-selected=${selected ? 'true' : 'false'}
      aria-label=${label}
      tabindex=${focusable ? '0' : '-1'}
      @click=${() => this.openConversation(conversation.id)}
    >
      <span class="name">${conversation.visitor.name}</span>
      ${conversation.unread
        ? html`<span part="unread" class="unread" aria-hidden="true">${conversation.unread}</span>`
        : html`<span class="when" aria-hidden="true">${waitingMinutes === undefined ? '' : text.waiting(waitingMinutes)}</span>`}
      <span class="preview" aria-hidden="true">${last ? `${last.sender.role === 'visitor' ? '' : `${last.sender.name}: `}${last.message}` : ''}</span>
    </li>`;
  }

  private renderNothingOpen(): TemplateResult {
    return html`<section part="thread-pane" class="thread-pane" aria-label=${this.text.messages}>
      <p class="choose">${this.text.choose}</p>
    </section>`;
  }

  private renderThread(): TemplateResult {
    const { text } = this;
    const client = this.client!;
    const open = client.open!;
    const summary = client.get(open.id);
    const visitor = open.visitor;
    const me = client.me;
    const mine = summary?.assignee?.id === me?.id;
    const name = visitor?.name ?? summary?.visitor.name ?? '';
    const presence = visitor?.online
      ? text.onlineNow
      : visitor?.lastSeenAt
        ? text.lastSeen(this.time(visitor.lastSeenAt))
        : text.offlineVisitor;
    const entries = [...open.messages.messages, ...open.notes.messages].sort(
      (a, b) => a.timestamp.localeCompare(b.timestamp) || a.seq - b.seq,
    );
    return html`<section part="thread-pane" class="thread-pane" aria-labelledby="thread-heading" @keydown=${this.onThreadKeydown}>
      <header part="thread-header" class="thread-header">
        <button type="button" class="link back" @click=${() => this.backToList()}>${text.back}</button>
        <div class="who">
          <h3 id="thread-heading">${name}</h3>
          <p class=${visitor?.online ? 'online' : ''}><span class="dot" aria-hidden="true"></span>${presence}</p>
          <p>
            ${summary?.assignee ? (mine ? text.assignedToYou : text.assignedTo(summary.assignee.name)) : text.nobodyAssigned}
          </p>
        </div>
        <div class="actions">
          ${mine ? nothing : html`<button type="button" class="action primary" @click=${() => this.act(() => client.assign(me!.id))}>${text.take}</button>`}
          ${this.teammates.length > 1
            ? html`<label class="switch">
                ${text.assignTo}
                <select
                  @change=${(event: Event) => {
                    const id = (event.target as HTMLSelectElement).value;
                    if (id) void this.act(() => client.assign(id));
                  }}
                >
                  <option value="">…</option>
                  ${this.teammates.map((mate) => html`<option value=${mate.id}>${mate.name}</option>`)}
                </select>
              </label>`
            : nothing}
          ${summary?.status === 'resolved'
            ? html`<button type="button" class="action" @click=${() => this.act(() => client.setStatus('open'))}>${text.reopen}</button>`
            : html`<button type="button" class="action" @click=${() => this.act(() => client.setStatus('resolved'))}>${text.resolve}</button>`}
        </div>
        ${this.notice ? html`<p class="status" role="alert">${this.notice}</p>` : nothing}
      </header>
      <dl part="visitor" class="details">
        <div><dt>${text.email}</dt><dd>${visitor?.email || text.none}</dd></div>
        <div><dt>${text.phone}</dt><dd>${visitor?.phone || text.none}</dd></div>
      </dl>
      <div part="log" class="log" role="log" aria-live="polite" aria-label=${text.messages} tabindex="0" @scroll=${this.onLogScroll}>
        <ol class="messages">
          ${open.hasMore
            ? html`<li class="older"><button type="button" class="link" @click=${() => client.loadOlder()}>${text.loadOlder}</button></li>`
            : nothing}
          ${entries.map((message) => this.renderMessage(message, summary))}
          ${client.pending.map((entry) => this.renderPending(entry))}
        </ol>
      </div>
      <p class="typing" aria-live="polite">${open.visitorTyping ? text.typing(name) : ''}</p>
      <form part="composer" class=${this.noteMode ? 'composer note-mode' : 'composer'} @submit=${(event: Event) => {
        event.preventDefault();
        this.sendDraft();
      }}>
        <label for="reply-input" class="visually-hidden">${this.noteMode ? text.noteLabel : text.reply}</label>
        <textarea
          part="input"
          id="reply-input"
          rows="2"
          placeholder=${this.noteMode ? text.notePlaceholder : text.replyPlaceholder}
          .value=${this.draft}
          @keydown=${this.onInputKeydown}
          @input=${this.onInput}
        ></textarea>
        <label class="switch">
          <input part="note-switch" type="checkbox" .checked=${this.noteMode} @change=${(event: Event) => {
            this.noteMode = (event.target as HTMLInputElement).checked;
            if (this.noteMode) client.setTyping(false);
          }} />
          ${text.note}
        </label>
        <button part="send-button" class="send" type="submit" ?disabled=${!this.draft.trim()}>${text.send}</button>
      </form>
    </section>`;
  }

  private renderMessage(message: ChatMessage, summary: ConversationSummary | undefined): TemplateResult {
    const { text } = this;
    const kind = message.note ? 'note' : message.sender.role === 'visitor' ? 'visitor' : 'team';
    const own = message.sender.id === this.client?.me?.senderId;
    const seen = kind === 'team' && message.seq <= (summary?.visitorReadSeq ?? 0);
    return html`<li part="message message-${kind}" class="message ${kind}">
      <span class="sender">${message.note ? `${text.note} · ` : ''}${own ? text.you : message.sender.name}</span>
      <p class="text">${renderText(message.message)}</p>
      <span class="meta">
        <time datetime=${message.timestamp}>${this.time(message.timestamp)}</time>
        ${seen ? html`<span>${text.seen}</span>` : nothing}
      </span>
    </li>`;
  }

  private renderPending(entry: OutgoingMessage): TemplateResult {
    const { text } = this;
    const failed = entry.status === 'failed';
    const kind = entry.note ? 'note' : 'team';
    return html`<li part="message message-${kind}" class="message ${kind} ${entry.status}">
      <span class="sender">${entry.note ? `${text.note} · ` : ''}${text.you}</span>
      <p class="text">${renderText(entry.message)}</p>
      <span class="meta">
        <span>${failed ? `${text.failed}${entry.error ? `: ${entry.error.message}` : ''}` : text.sending}</span>
        ${failed ? html`<button type="button" class="link" @click=${() => this.client?.retry(entry.clientId)}>${text.retry}</button>` : nothing}
      </span>
    </li>`;
  }

  private time(iso: string): string {
    return new Date(iso).toLocaleTimeString(this.lang || undefined, { hour: '2-digit', minute: '2-digit' });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-inbox': ChatInbox;
  }
  interface GlobalEventHandlersEventMap extends ChatInboxEventMap {}
}
