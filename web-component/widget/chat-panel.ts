import { html, nothing, render, type TemplateResult } from 'lit/html.js';
import type { ChatMessage, TeamMember } from '../../src/protocol.js';
import { addStyles } from '../shared/add-styles.js';
import { ChatClient, type OutgoingMessage } from '../clients/chat-client.js';
import { statusText } from '../clients/connection.js';
import { panelCss } from './chat-panel.styles.js';
import type { DetailsForm } from './chat-details.js';
import type { AssistantView } from './chat-assistant.js';
import type { FilesView } from './chat-files.js';
import type { PrivacyView } from './chat-privacy.js';
import type { RatingView } from './chat-rating.js';
import type { ChatWidgetEventMap, PanelHandle, PanelSettings, PanelWidget } from './settings.js';
import { clockTime, dayLine, outgoingState, safeLocale } from '../shared/message-meta.js';
import { renderText } from '../shared/render-text.js';
import { initials, threadRows, type ThreadRow } from '../shared/thread-rows.js';
import { connectionOf, storageKeys } from '../clients/storage-keys.js';
import { load, save } from '../shared/storage.js';
import { resolveStrings, type ChatStrings } from './strings.js';

/** Changing any of these means another chat, or another visitor: a new connection. */
const CONNECTION_KEYS = ['server', 'basePath', 'room', 'inbox', 'userId', 'userHash'] as const;

const CLOSE_ICON = html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6L6 18" /></svg>`;
const MENU_ICON = html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M5 12h.01M12 12h.01M19 12h.01" stroke-width="3.5" stroke-linecap="round" /></svg>`;

/** How long "Details saved." stays. */
const SAVED_NOTICE_MS = 4_000;

/**
 * The chat window of a `<chat-widget>`, loaded when it is first needed (see chat-widget.ts): the
 * connection, the messages, the composer and the details form, and the preview of a new reply
 * beside the launcher while the window is closed. It renders with lit-html into the widget's
 * shadow root, beside the launcher, so the widget's parts, slots and styles are its own; it needs
 * no element of its own, nor the rest of Lit.
 */
class ChatPanel implements PanelHandle {
  readonly #widget: PanelWidget;
  /** Where the window renders: the widget's wrapper, after the launcher. */
  readonly #container: HTMLElement;
  #settings: PanelSettings;
  #text: ChatStrings;
  #client: ChatClient | undefined;
  #renderQueued = false;
  #rendered: Promise<void> = Promise.resolve();
  #wasOpen = false;

  #unread = 0;
  /** The details form, once its file has loaded (see #loadDetails). */
  #details: DetailsForm | undefined;
  /** The assistant's and the hours' pieces, once their file has loaded (see #assistant). */
  #assistantView: AssistantView | undefined;
  /** Files in the chat, once their file has loaded (see #files). */
  #filesView: FilesView | undefined;
  /** Consent, the conversation's menu and erased messages, once their file has loaded (see #privacy). */
  #privacyView: PrivacyView | undefined;
  /** The rating asked for on resolving, once its file has loaded (see #rating). */
  #ratingView: RatingView | undefined;
  /** The pieces of the window in files of their own that are loading or loaded, by file (see #loadPiece). */
  readonly #pieces = new Map<string, Promise<unknown>>();
  #draft = '';
  /** Scroll height before older messages were added, to keep the visitor's place. */
  #heightBeforeOlder: number | undefined;
  #stickToBottom = true;
  /** The reply whose preview the visitor dismissed (its seq). */
  #previewDismissedSeq = 0;

  constructor(widget: PanelWidget, container: HTMLElement, settings: PanelSettings) {
    this.#widget = widget;
    this.#container = container;
    this.#settings = settings;
    this.#text = resolveStrings(settings.lang, settings.strings, settings.pack);
    this.#previewDismissedSeq = load<number>(storageKeys(connectionOf(settings)).previewDismissed, 'sessionStorage') ?? 0;
    this.#startClient();
    this.#requestRender();
  }

  /** The widget's attributes changed: show them, and reconnect if they name another chat. */
  update(settings: PanelSettings): void {
    const previous = this.#settings;
    this.#settings = settings;
    if (settings.lang !== previous.lang || settings.strings !== previous.strings || settings.pack !== previous.pack) {
      this.#text = resolveStrings(settings.lang, settings.strings, settings.pack);
    }
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
    this.#details?.stop();
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
    return this.#container.querySelector('#message-input');
  }

  /** Renders once per task, however many changes came in it; resolves once that is on screen. */
  #requestRender(): Promise<void> {
    if (this.#renderQueued) return this.#rendered;
    this.#renderQueued = true;
    this.#rendered = Promise.resolve().then(() => {
      this.#renderQueued = false;
      render(this.#render(), this.#container, { host: this });
      this.#afterRender();
    });
    return this.#rendered;
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
    // The files of a message upload before it goes, from the file view (loaded if it was not).
    this.#client.uploadFiles = (entry) => this.#loadFiles().then((view) => view.upload(entry));
    this.#client.connect();
  }

  #emit<K extends keyof ChatWidgetEventMap>(name: K, detail: ChatWidgetEventMap[K]['detail']): void {
    this.#widget.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /**
   * The details form comes before the first message when the host requires it, and in a support
   * conversation while nobody of the team is online (an email is how the answer reaches them),
   * unless an assistant is there to answer.
   */
  get #needsDetails(): boolean {
    const client = this.#client;
    const { collectDetails, inbox } = this.#settings;
    if (collectDetails === 'off' || client?.user) return false;
    if (collectDetails === 'required') return true;
    return Boolean(inbox) && client?.teamOnline === 0 && !client.assistant && !client.conversation && client.messages.length === 0;
  }

  /** The chat refuses this page (its origin, this visitor): nothing can be sent until that changes. */
  get #refused(): boolean {
    return this.#client?.status === 'refused';
  }

  /** The chat's terms wait for the visitor's consent: nothing is sent, nor details saved, before it. */
  get #needsConsent(): boolean {
    const consent = this.#client?.consent;
    return Boolean(consent?.required && !consent.given);
  }

  /**
   * Nothing can be sent now: the details, or consent, come first, or the chat refuses the page.
   * Waiting for consent leaves the message box as it was, so the focus in it is not lost when the
   * session asks for consent (the consent's view takes it to its checkbox), and a draft may be begun.
   */
  get #blocked(): boolean {
    return this.#needsDetails || this.#needsConsent || this.#refused;
  }

  /** The launcher's count: the team's unread replies in a conversation, new room messages otherwise. */
  get #unreadCount(): number {
    if (!this.#settings.inbox) return this.#unread;
    return this.#settings.open ? 0 : (this.#client?.unreadReplies ?? 0);
  }

  /**
   * Moves focus into the window: the details form when it comes first, else the message input.
   * On a touch screen the window itself: focusing a field would raise a keyboard over the thread.
   */
  focusFirstField(): void {
    const focus = (selector: string) => this.#container.querySelector<HTMLElement>(selector)?.focus();
    if (globalThis.matchMedia?.('(pointer: coarse)').matches) focus('.panel');
    else if (!this.#needsDetails) focus('#message-input');
    else void this.#loadDetails().then(() => this.#rendered).then(() => focus('#details-name'));
  }

  /**
   * The details form's file, loaded the first time the form is needed (asked for, or required),
   * and fetched ahead when the visitor points at "Add your details"; tried again after a failure.
   */
  #loadDetails(): Promise<DetailsForm | undefined> {
    return this.#loadPiece('details', () =>
      import('./chat-details.js').then(
        ({ createDetailsForm }) =>
          (this.#details = createDetailsForm(
            { html, nothing },
            {
              rerender: () => this.#requestRender(),
              focus: (selector) => this.#container.querySelector<HTMLElement>(selector)?.focus(),
              save: (details) => this.#client!.saveDetails(details),
              savedNoticeMs: SAVED_NOTICE_MS,
            },
            this.#container,
          )),
      ),
    ).catch(() => undefined);
  }

  /**
   * A piece of the window in a file of its own, loaded once by `load` (again after a failure); the
   * window renders again with it.
   */
  #loadPiece<V>(file: string, load: () => Promise<V>): Promise<V> {
    let loading = this.#pieces.get(file) as Promise<V> | undefined;
    if (!loading) {
      this.#pieces.set(file, (loading = load()));
      loading.then(() => this.#requestRender(), () => this.#pieces.delete(file));
    }
    return loading;
  }

  #onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.stopPropagation();
      this.#widget.hide();
    }
  }

  #onInputKeydown(event: KeyboardEvent): void {
    // Enter sends; Shift+Enter (and Enter while an IME composes) makes a new line.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.#sendDraft();
    }
  }

  #onInput(event: Event): void {
    this.#draft = (event.target as HTMLTextAreaElement).value;
    this.#client?.setTyping(this.#draft.trim().length > 0);
    this.#requestRender();
  }

  #onSubmit(event: Event): void {
    event.preventDefault();
    this.#sendDraft();
  }

  #sendDraft(): void {
    if (!this.#client || this.#blocked || !(this.#draft.trim() || this.#filesView?.attached)) return;
    this.#client.send(this.#draft, this.#filesView?.take());
    this.#draft = '';
    this.#stickToBottom = true;
    this.#requestRender();
    this.#input?.focus();
  }

  #onScroll(): void {
    const log = this.#log;
    if (!log) return;
    this.#stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    if (log.scrollTop < 40) this.#loadOlder();
  }

  #loadOlder(): void {
    if (!this.#client?.hasMore || this.#client.loadingOlder) return;
    this.#heightBeforeOlder = this.#log?.scrollHeight;
    void this.#client.loadOlder();
  }

  #render(): TemplateResult {
    const text = this.#text;
    const client = this.#client;
    const { inbox, open } = this.#settings;
    const blocked = this.#blocked;
    const privacy = this.#privacy;
    const team = inbox && client?.teamOnline !== undefined ? (client.teamOnline > 0 ? 'online' : 'away') : undefined;
    return html`
      <section
        part="panel"
        id="panel"
        class=${this.#needsDetails || this.#details?.opened ? 'panel details-open' : 'panel'}
        role="dialog"
        aria-labelledby="heading"
        tabindex="-1"
        ?hidden=${!open}
        @keydown=${this.#onKeydown}
      >
        <header part="header" class="header">
          <div>
            <h2 part="heading" id="heading">${this.#settings.heading || text.heading}</h2>
            <div class="status-row">
              <p part="status" class="status" data-status=${client?.status ?? 'connecting'} data-team=${team ?? nothing}>
                <span class="dot" aria-hidden="true"></span>
                <span>${statusText(client, text, this.#onlineText())}</span>
              </p>
              ${this.#settings.collectDetails !== 'off' && !this.#needsDetails && !this.#details?.opened
                ? html`<button
                    type="button"
                    class="link"
                    aria-expanded="false"
                    @pointerenter=${() => void this.#loadDetails()}
                    @focus=${() => void this.#loadDetails()}
                    @click=${() => void this.#loadDetails().then((form) => form?.open())}
                  >
                    ${client?.user ? text.editDetails : text.addDetails}
                  </button>`
                : nothing}
            </div>
          </div>
          ${inbox
            ? (privacy?.menu(MENU_ICON) ??
              html`<button
                part="menu-button"
                class="close"
                type="button"
                aria-label=${text.menu}
                aria-haspopup="menu"
                aria-expanded="false"
                @click=${() => void this.#loadPrivacy().then((view) => view.openMenu())}
              >
                ${MENU_ICON}
              </button>`)
            : nothing}
          <button part="close-button" class="close" type="button" aria-label=${text.closeChat} @click=${() => this.#widget.hide()}>
            ${CLOSE_ICON}
          </button>
        </header>
        <slot name="intro"></slot>
        ${client?.conversation?.status === 'resolved'
          ? html`<p part="notice" class="notice resolved" role="status">${text.resolved}</p>`
          : nothing}
        <div part="log" class="log" role="region" aria-label=${text.messages} tabindex="0" @scroll=${this.#onScroll}>
          ${this.#renderWelcome()}
          <div role="log" aria-live="polite">
            <ol class="messages">
              ${client?.hasMore
                ? html`<li class="older">
                    <button type="button" class="link" ?disabled=${client.loadingOlder} @click=${() => this.#loadOlder()}>
                      ${text.loadOlder}
                    </button>
                  </li>`
                : nothing}
              ${this.#renderThread()}
            </ol>
          </div>
        </div>
        <p class="typing" aria-live="polite">${client?.typingNames.length ? text.typing(client.typingNames) : ''}</p>
        ${privacy?.panel()}${this.#rating?.panel()}
        ${this.#settings.collectDetails === 'off' ? nothing : this.#renderDetails()}
        ${client && this.#assistant ? this.#assistant.bar(this.#assistantHost) : nothing}
        <form part="composer" class="composer" @submit=${this.#onSubmit}>
          ${blocked ? nothing : this.#files?.composer()}
          <label for="message-input" class="visually-hidden">${text.messageLabel}</label>
          <textarea
            part="input"
            id="message-input"
            rows="1"
            placeholder=${text.placeholder}
            maxlength="2000"
            .value=${this.#draft}
            ?disabled=${this.#needsDetails || this.#refused}
            @keydown=${this.#onInputKeydown}
            @input=${this.#onInput}
          ></textarea>
          <button part="send-button" class="send" type="submit" ?disabled=${blocked || !(this.#draft.trim() || this.#filesView?.attached)}>
            ${text.send}
          </button>
        </form>
      </section>
      <div part="preview" class="preview" role="status">${this.#renderPreview()}</div>
    `;
  }

  /**
   * The assistant's and the hours' pieces of the window, when the inbox has an assistant or the
   * team is out: their file loads the first time either is known, and the window renders again.
   */
  get #assistant(): AssistantView | undefined {
    const client = this.#client;
    if (client?.assistant || client?.teamView?.open === false) {
      void this.#loadPiece('assistant', () =>
        import('./chat-assistant.js').then(
          ({ createAssistantView }) => (this.#assistantView = createAssistantView({ html, nothing }, this.#container.getRootNode() as ShadowRoot)),
        ),
      );
    }
    return this.#assistantView;
  }

  /**
   * Files in the chat: their file loads once the chat says it takes files, or a message (sent or
   * on its way) has some, and the window renders again.
   */
  get #files(): FilesView | undefined {
    const client = this.#client;
    if (client && (client.fileLimits || [...client.messages, ...client.outbox].some((message) => message.files))) void this.#loadFiles();
    return this.#filesView;
  }

  #loadFiles(): Promise<FilesView> {
    return this.#loadPiece('files', () =>
      import('./chat-files.js').then(
        ({ createFilesView }) =>
          (this.#filesView = createFilesView({ html, nothing, render }, this.#container, () => ({ client: this.#client, settings: this.#settings }), () => this.#requestRender())),
      ),
    );
  }

  /**
   * Consent, the conversation's menu and erased messages: their file loads once the chat asks for
   * consent or a message was erased (or the menu is opened), and the window renders again.
   */
  get #privacy(): PrivacyView | undefined {
    if (this.#needsConsent || this.#client?.messages.some((message) => message.erased)) void this.#loadPrivacy();
    return this.#privacyView;
  }

  #loadPrivacy(): Promise<PrivacyView> {
    return this.#loadPiece('privacy', () =>
      import('./chat-privacy.js').then(
        ({ createPrivacyView }) =>
          (this.#privacyView = createPrivacyView({ html, nothing }, this.#container, () => ({ client: this.#client, settings: this.#settings, text: this.#text }), () => this.#requestRender())),
      ),
    );
  }

  /** The rating asked for when the conversation was resolved: its file loads once one is asked for. */
  get #rating(): RatingView | undefined {
    if (this.#client?.conversation?.rating) {
      void this.#loadPiece('rating', () =>
        import('./chat-rating.js').then(
          ({ createRatingView }) =>
            (this.#ratingView = createRatingView({ html, nothing }, this.#container, () => ({ client: this.#client, settings: this.#settings }), () => this.#requestRender())),
        ),
      );
    }
    return this.#ratingView;
  }

  /** What the assistant's pieces read of the window: its strings are the language's and the page's, over English. */
  get #assistantHost() {
    return { client: this.#client!, lang: this.#settings.lang, strings: this.#overrides };
  }

  /** The built-in strings of the page's language with the page's own over them, for the pieces that bring their English. */
  get #overrides(): Partial<ChatStrings> {
    return { ...this.#settings.pack, ...this.#settings.strings };
  }

  /** The details form, when it is open or required (its file loads on the first such render), or what it just said. */
  #renderDetails(): unknown {
    if (this.#details) return this.#details.render(this.#needsDetails, this.#client?.user, this.#text, this.#overrides, this.#needsConsent);
    if (this.#needsDetails) void this.#loadDetails();
    return nothing;
  }

  /** The status line when connected: who is there to answer, and how soon. */
  #onlineText(): string {
    const client = this.#client;
    const text = this.#text;
    if (!client) return text.connected;
    if (this.#settings.inbox) {
      if (client.teamOnline === undefined) return text.connected;
      return client.teamOnline > 0 ? text.teamOnline : text.teamAway;
    }
    return client.online ? `${text.connected} · ${text.online(client.online)}` : text.connected;
  }

  /**
   * An empty conversation: the host's greeting and who of the team is there (how soon they
   * answer is in the header). A room shows a greeting only when the host set one. Outside the
   * live log: the team coming and going is not news to read out.
   */
  #renderWelcome(): TemplateResult | typeof nothing {
    const client = this.#client;
    const { inbox, greeting } = this.#settings;
    if (!client || client.messages.length > 0 || client.outbox.length > 0 || client.hasMore) return nothing;
    if (!inbox && !greeting) return nothing;
    const members = inbox ? client.team : [];
    return html`<div part="welcome" class="welcome">
      ${members.length ? html`<div class="faces" aria-hidden="true">${members.map((member) => this.#renderAvatar(member))}</div>` : nothing}
      <p class="greeting">${greeting || this.#text.greeting}</p>
      ${this.#assistant ? this.#assistant.choice(this.#assistantHost) : nothing}
      ${members.length
        ? html`<p class="team-names">
            ${this.#text.teamHere(
              new Intl.ListFormat(safeLocale(this.#settings.lang), { type: 'conjunction' }).format(members.map((member) => member.name)),
              client.teamOnline ?? members.length,
            )}
          </p>`
        : nothing}
    </div>`;
  }

  /**
   * A picture of someone of the team (by their id, as the team event gave it), else their
   * initials. A path is on the chat server's origin, which may not be the page's.
   */
  #renderAvatar(person: Pick<TeamMember, 'id' | 'name' | 'avatarUrl'>): TemplateResult {
    const member = person.avatarUrl ? person : (this.#client?.team.find((candidate) => candidate.id === person.id) ?? person);
    const url = member.avatarUrl?.startsWith('/') ? connectionOf(this.#settings).server + member.avatarUrl : member.avatarUrl;
    return url
      ? html`<img class="avatar" src=${url} alt="" referrerpolicy="no-referrer" />`
      : html`<span class="avatar" aria-hidden="true">${initials(member.name)}</span>`;
  }

  /** The messages, then what is still on its way: runs of one sender, with a line for each day. */
  #renderThread(): unknown[] {
    const client = this.#client;
    if (!client) return [];
    const messages = client.messages;
    const outbox = client.outbox;
    const own = client.senderId;
    const rows = threadRows(
      [
        ...messages.map((message) => ({ key: message.sender.id === own ? '' : `${message.sender.role}:${message.sender.id}`, at: message.timestamp })),
        ...outbox.map((entry) => ({ key: 'outbox', at: entry.createdAt })),
      ],
      this.#settings.lang,
    );
    return [
      ...messages.map((message, i) => [dayLine(rows[i]!), this.#renderMessage(message, rows[i]!)]),
      ...outbox.map((entry, i) => [dayLine(rows[messages.length + i]!), this.#renderOutgoing(entry)]),
    ];
  }

  #renderMessage(message: ChatMessage, row: ThreadRow): TemplateResult {
    const text = this.#text;
    const own = message.sender.id === this.#client?.senderId;
    const assistant = message.sender.role === 'assistant';
    const team = message.sender.role === 'operator' || assistant;
    // In a conversation, "Seen" once an operator read up to it.
    const seen = own && this.#settings.inbox && message.seq <= (this.#client?.conversation?.operatorReadSeq ?? 0);
    const view = assistant ? this.#assistant : undefined;
    return this.#renderBubble(
      own ? 'own' : team ? 'team' : '',
      own ? 'message message-own' : assistant ? 'message message-team message-assistant' : team ? 'message message-team' : 'message',
      row,
      html`${team && row.first ? this.#renderAvatar(message.sender) : nothing}${own ? text.you : message.sender.name}${view ? view.badge(this.#assistantHost) : nothing}`,
      [
        message.erased
          ? this.#privacyView?.tombstone()
          : view
            ? view.replyText(message, renderText(message.message))
            : html`<p part="text" class="text">${renderText(message.message)}</p>`,
        this.#files?.thread(message),
        view?.replyFooter(this.#assistantHost, message),
      ],
      html`<time datetime=${message.timestamp}>${clockTime(message.timestamp, this.#settings.lang)}</time>
        ${own ? html`<span class="state">${seen ? text.seen : text.sent}</span>` : nothing}`,
    );
  }

  #renderOutgoing(entry: OutgoingMessage): TemplateResult {
    // While the chat refuses the page a message cannot go: it says so at once, not "Sending…" for ever.
    const shown: OutgoingMessage = this.#refused ? { ...entry, status: 'failed', error: this.#client?.refusal } : entry;
    return this.#renderBubble(
      `own ${shown.status}`,
      `message message-own message-${shown.status}`,
      { first: true, last: true },
      this.#text.you,
      [html`<p part="text" class="text">${renderText(entry.message)}</p>`, this.#files?.outgoing(entry)],
      outgoingState(shown, this.#text, this.#refused ? undefined : (clientId) => this.#client?.retry(clientId)),
    );
  }

  /**
   * One message: `kind` is `own` (with its state: `pending`, `failed`), `team` or empty; the
   * sender is named on the first of a run (own messages only to screen readers), the meta shown on the last.
   */
  #renderBubble(kind: string, parts: string, row: Pick<ThreadRow, 'first' | 'last'>, sender: unknown, body: unknown, meta: unknown): TemplateResult {
    const own = kind.startsWith('own');
    return html`<li
      part=${parts}
      class="message ${kind}${own ? ' end' : ''}${row.first ? ' first' : ''}${row.last ? ' last' : ''}"
    >
      <span part="sender" class=${own || !row.first ? 'sender visually-hidden' : 'sender'}>${sender}</span>
      ${body}
      <span class="meta">${meta}</span>
    </li>`;
  }

  /**
   * While the window is closed, the team's latest unread reply beside the launcher: it opens the
   * chat, or goes away when dismissed. It renders into a live region that is always there, so a
   * screen reader hears each new reply once.
   */
  #renderPreview(): TemplateResult | typeof nothing {
    const client = this.#client;
    if (!client || !this.#settings.inbox || this.#settings.open) return nothing;
    const reply = client.repliesAfter(Math.max(client.conversation?.visitorReadSeq ?? 0, this.#previewDismissedSeq)).at(-1);
    if (!reply) return nothing;
    const { seq, sender } = reply;
    return html`<div class="preview-card">
      <button type="button" class="preview-open" @click=${() => this.#widget.show()}>
        ${this.#renderAvatar(sender)}
        <span class="preview-body"
          ><span class="visually-hidden">${this.#text.newReply(sender.name)}:</span><b aria-hidden="true">${sender.name}</b>
          <span class="preview-text">${reply.message || reply.files?.map((file) => file.name).join(', ')}</span></span
        >
      </button>
      <button
        type="button"
        class="close"
        aria-label=${this.#text.dismiss}
        @click=${() => {
          this.#previewDismissedSeq = seq;
          save(storageKeys(connectionOf(this.#settings)).previewDismissed, seq, 'sessionStorage');
          this.#requestRender();
        }}
      >
        ${CLOSE_ICON}
      </button>
    </div>`;
  }
}

/** Starts the chat window for `widget` in `container`, adding its styles to the widget's shadow root. */
export function createPanel(widget: PanelWidget, container: HTMLElement, settings: PanelSettings): PanelHandle {
  addStyles(container.getRootNode() as ShadowRoot, panelCss);
  return new ChatPanel(widget, container, settings);
}
