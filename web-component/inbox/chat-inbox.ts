import { html, LitElement, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { Assignee, ChatErrorPayload, ChatMessage, ConversationSummary } from '../../src/protocol.js';
import { OperatorClient } from '../clients/operator-client.js';
import { InboxAlerts } from './alerts.js';
import { inboxStyles } from './chat-inbox.styles.js';
import { InboxFiles } from './inbox-files.js';
import { InboxPrivacy } from './inbox-privacy.js';
import { InboxReplies } from './inbox-replies.js';
import { InboxSearch } from './inbox-search.js';
import { ReplyPicker } from './reply-picker.js';
import { SavedReplies } from '../clients/saved-replies.js';
import { FILTERS, renderListPane, tabsOf, type ListPaneHost, type Tab } from './list-pane.js';
import { resolveInboxStrings, type InboxStrings } from './strings.js';
import { renderThreadPane, type ThreadPaneHost } from './thread-pane.js';

export interface ChatInboxEventMap {
  'chat-conversation-open': CustomEvent<{ conversation: ConversationSummary }>;
  'chat-inbox-message': CustomEvent<{ message: ChatMessage; conversation: ConversationSummary | undefined }>;
  'chat-error': CustomEvent<{ error: ChatErrorPayload }>;
}

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
 * @csspart signed-out - What the inbox shows when the chat refuses the operator's session, with "Sign in again".
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
 * @csspart day - The line that starts each day of messages.
 * @csspart message - Each message (with `message-visitor`, `message-team`, `message-note`).
 * @csspart message-visitor - The visitor's messages.
 * @csspart message-team - The team's replies.
 * @csspart message-note - Notes, which only the team sees.
 * @csspart message-assistant - The assistant's replies.
 * @csspart composer - The reply form.
 * @csspart input - The reply input.
 * @csspart note-switch - The switch that makes the reply a note.
 * @csspart send-button - The Send button.
 * @csspart attach-button - The paperclip, when the chat takes files.
 * @csspart attachments - The files attached to the reply being written.
 * @csspart files - The files of a message: thumbnails that open the viewer, chips that download.
 * @csspart progress - The progress bar of a reply's files as they upload.
 * @csspart viewer - The image viewer, a modal dialog.
 * @csspart message-erased - Where an erased message was: "Message deleted".
 * @csspart privacy-actions - Export visitor data and Erase visitor, for operators granted `can: ['privacy']`.
 * @csspart erase-dialog - The confirmation of Erase visitor, a modal dialog.
 * @csspart announcement - The inbox's status line: exports, erases, a deleted conversation.
 * @csspart reply-picker - The composer's saved replies, listed as `/` and a shortcut are typed.
 * @csspart replies-button - The list pane's "Saved replies" button.
 * @csspart replies-dialog - The saved replies' dialog: the operator's own and the team's, and a form to add or change one.
 * @csspart search - The list pane's search form.
 * @csspart search-results - The search's hits, in place of the tabs and the list.
 * @csspart search-hit - Each hit: the visitor, the matching message with the match marked, and its time.
 * @csspart rating - The visitor's rating in the conversation's header: score and comment.
 * @csspart rating-badge - The rating's badge in the list and the search's hits.
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
 * @cssproperty --chat-link - Links. Default the accent in the light theme, `#93c5fd` in the dark one.
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
  /**
   * Where "Sign in again" goes when the chat refuses the operator's session (signed out, expired);
   * without it, "Sign in again" reloads the page, which sends a signed-out user to the host's login.
   */
  @property({ attribute: 'sign-in-url' }) signInUrl = '';

  @state() private tab: Tab = 'open';
  @state() private view: 'list' | 'thread' = 'list';
  @state() private draft = '';
  @state() private noteMode = false;
  @state() private teammates: Assignee[] = [];
  @state() private notice = '';
  @state() private notificationPermission: NotificationPermission | 'unsupported' = 'unsupported';
  @state() private now = Date.now();
  /** The message a search opened the open conversation at. */
  @state() private foundSeq: number | undefined;

  @query('#reply-input') private input?: HTMLTextAreaElement;
  @query('.log') private log?: HTMLElement;

  private client: OperatorClient | undefined;
  private text: InboxStrings = resolveInboxStrings(undefined);
  /** The page's own title, before the unread count went in front of it. */
  private baseTitle: string | undefined;
  private clock: ReturnType<typeof setInterval> | undefined;
  private readonly alerts = new InboxAlerts();
  private stickToBottom = true;
  /** Renders again; resolves once that is on screen (for the helpers that render parts of the element). */
  private readonly rerender = async (): Promise<void> => {
    this.requestUpdate();
    await this.updateComplete;
  };
  /** Files in replies, notes and the thread (see inbox-files.ts). */
  private readonly files = new InboxFiles({
    state: () => ({
      client: this.client,
      server: this.server.replace(/\/+$/, ''),
      basePath: this.basePath.replace(/\/+$/, ''),
      lang: this.lang,
      text: this.text,
    }),
    update: this.rerender,
    root: () => this.renderRoot,
    putBack: (text) => {
      if (!this.draft.trim()) this.draft = text;
      this.input?.focus();
    },
  });

  /** Export and erase of a visitor's data (see inbox-privacy.ts). */
  private readonly privacy = new InboxPrivacy({
    state: () => ({ client: this.client, text: this.text }),
    update: this.rerender,
    root: () => this.renderRoot,
  });

  /** The operator's saved replies, kept while the inbox is connected (see saved-replies.ts). */
  private replies = this.newReplies();
  /** The composer's `/` list of saved replies. */
  private readonly picker = new ReplyPicker({
    state: () => {
      const client = this.client;
      const open = client?.open;
      const summary = open ? client.get(open.id) : undefined;
      return {
        text: this.text,
        replies: this.replies,
        inbox: summary?.inbox,
        visitorName: open?.visitor?.name ?? summary?.visitor.name ?? '',
        operatorName: client?.me?.name ?? '',
      };
    },
    update: this.rerender,
    input: () => this.input,
    setDraft: (value) => {
      this.draft = value;
      if (this.input) this.input.value = value;
      if (!this.noteMode) this.client?.setTyping(value.trim().length > 0);
    },
  });
  /** The saved replies' dialog. */
  private readonly repliesDialog = new InboxReplies({
    state: () => ({ client: this.client, text: this.text, replies: this.replies, inboxes: this.knownInboxes() }),
    update: this.rerender,
    root: () => this.renderRoot,
  });
  /** The list pane's search. */
  private readonly search = new InboxSearch({
    state: () => ({ client: this.client, text: this.text, lang: this.lang }),
    update: this.rerender,
    root: () => this.renderRoot,
    openAt: (id, seq) => void this.openConversation(id, false, seq),
  });

  private newReplies(): SavedReplies {
    return new SavedReplies(
      async (payload) => this.client?.replies(payload),
      () => this.requestUpdate(),
    );
  }

  /** The inboxes a team reply may be kept for: those the operator reads, as far as the inbox knows them. */
  private knownInboxes(): string[] {
    const inboxes = this.client?.me?.inboxes;
    if (Array.isArray(inboxes)) return [...inboxes].sort();
    const seen = new Set<string>(this.inbox ? [this.inbox] : []);
    for (const conversation of this.client?.conversations ?? []) seen.add(conversation.inbox);
    return [...seen].sort();
  }

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
    // The files of replies no longer on their way (stored, or another conversation opened) are let go.
    this.files.forgetSent();
  }

  private startClient(): void {
    if (this.client) return;
    this.replies = this.newReplies();
    this.client = new OperatorClient(
      { server: this.server.replace(/\/+$/, ''), basePath: this.basePath.replace(/\/+$/, ''), inbox: this.inbox },
      {
        change: () => this.requestUpdate(),
        message: (message, conversation) => this.onMessage(message, conversation),
        error: (error) => {
          this.notice = error.message;
          this.emit('chat-error', { error });
        },
        deleted: (conversationId, summary, wasOpen) => {
          if (wasOpen) void this.onOpenDeleted(conversationId, summary);
        },
      },
    );
    this.client.filter = FILTERS[this.tab];
    this.client.uploadFiles = (entry) => this.files.upload(entry);
    this.client.connect();
  }

  private emit<K extends keyof ChatInboxEventMap>(name: K, detail: ChatInboxEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private onMessage(message: ChatMessage, conversation: ConversationSummary | undefined): void {
    this.emit('chat-inbox-message', { message, conversation });
    if (message.sender.role !== 'visitor') return;
    if (this.sound) this.alerts.beep();
    const elsewhere = document.visibilityState !== 'visible' || this.client?.open?.id !== conversation?.id;
    if (elsewhere && this.notificationPermission === 'granted') {
      this.alerts.notify(this.text.newMessage(message.sender.name), message.message, conversation?.id, () => {
        if (conversation) void this.openConversation(conversation.id);
      });
    }
  }

  /** The open conversation was deleted (erased here or by a teammate, or by retention): back to the list, saying so. */
  private async onOpenDeleted(conversationId: string, summary: ConversationSummary | undefined): Promise<void> {
    const focusWasInThread = Boolean((this.renderRoot as ShadowRoot).activeElement?.closest('.thread-pane'));
    this.draft = '';
    this.noteMode = false;
    this.notice = '';
    this.files.clear();
    // An erase from here says what it removed instead.
    if (!this.privacy.erasedHere(conversationId)) this.privacy.announce(this.text.conversationDeleted(summary?.visitor.name ?? ''));
    if (focusWasInThread) await this.backToList();
    else this.view = 'list';
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
    const tabs = tabsOf(this.client);
    const index = tabs.indexOf(this.tab);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    void this.selectTab(tabs[(next + tabs.length) % tabs.length]!, true);
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

  /** Opens a conversation; at its message `seq` (from a search), or at its latest. */
  private async openConversation(id: string, focusComposer = false, seq?: number): Promise<void> {
    const client = this.client;
    if (!client) return;
    const again = client.open?.id === id;
    this.view = 'thread';
    this.notice = '';
    if (!again) {
      this.draft = '';
      this.files.clear();
      this.noteMode = false;
      this.picker.reset();
    }
    this.foundSeq = seq;
    this.stickToBottom = seq === undefined;
    await client.openConversation(id);
    if (seq !== undefined) await this.showMessage(seq);
    const summary = client.get(id);
    if (summary) this.emit('chat-conversation-open', { conversation: summary });
    void client.teammates().then((teammates) => (this.teammates = teammates));
    if (focusComposer) {
      await this.updateComplete;
      this.input?.focus();
    }
  }

  /** Brings the open conversation's message `seq` into view (older pages first, if need be), marked and focused. */
  private async showMessage(seq: number): Promise<void> {
    await this.client?.loadThrough(seq);
    await this.updateComplete;
    const row = this.renderRoot.querySelector<HTMLElement>(`.log [data-seq="${seq}"]`);
    if (!row) return;
    row.scrollIntoView({ block: 'center' });
    row.focus({ preventScroll: true });
  }

  /** Esc in the conversation goes back to the list, to the conversation it came from. */
  private async backToList(): Promise<void> {
    const id = this.client?.open?.id;
    this.view = 'list';
    await this.updateComplete;
    const item = id ? this.renderRoot.querySelector<HTMLElement>(`[data-id="${id}"]`) : null;
    (item ?? this.renderRoot.querySelector<HTMLElement>('[role="option"]') ?? this.renderRoot.querySelector<HTMLElement>(`#tab-${this.tab}`))?.focus();
  }

  private onThreadKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    void this.backToList();
  }

  private onInputKeydown(event: KeyboardEvent): void {
    if (this.picker.onKeydown(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.sendDraft();
    }
  }

  private onInput(event: Event): void {
    this.draft = (event.target as HTMLTextAreaElement).value;
    this.picker.follow(event.target as HTMLTextAreaElement);
    // Notes are between operators: the visitor does not see anyone typing them.
    if (!this.noteMode) this.client?.setTyping(this.draft.trim().length > 0);
  }

  private sendDraft(): void {
    if (!this.client?.open || this.client.status === 'refused' || !(this.draft.trim() || this.files.attached)) return;
    this.client.send(this.draft, this.noteMode, this.files.take());
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
      ${renderListPane(this.listPane())} ${client?.open ? renderThreadPane(this.threadPane(client)) : this.renderNothingOpen()}
      ${this.privacy.renderStatus()} ${this.files.renderViewer()} ${this.privacy.renderDialog()} ${this.repliesDialog.renderDialog()}
    </div>`;
  }

  /** The chat refused this operator's session (signed out, expired, no longer staff): they need to sign in again. */
  private get signedOut(): boolean {
    return this.client?.status === 'refused' && this.client.refusal?.code === 'UNAUTHORIZED';
  }

  private listPane(): ListPaneHost {
    return {
      text: this.text,
      client: this.client,
      signedOut: this.signedOut,
      signInUrl: this.signInUrl,
      tab: this.tab,
      now: this.now,
      notificationPermission: this.notificationPermission,
      selectTab: (tab) => void this.selectTab(tab),
      onTabKeydown: (event) => this.onTabKeydown(event),
      onListKeydown: (event) => this.onListKeydown(event),
      openConversation: (id) => void this.openConversation(id),
      enableNotifications: () => void this.enableNotifications(),
      tools: {
        headerActions: () => this.repliesDialog.renderButton(),
        searchForm: () => this.search.renderForm(),
        searching: this.search.active,
        searchResults: () => this.search.renderResults(),
      },
    };
  }

  private threadPane(client: OperatorClient): ThreadPaneHost {
    const openId = client.open!.id;
    return {
      text: this.text,
      lang: this.lang,
      client: client as ThreadPaneHost['client'],
      teammates: this.teammates,
      notice: this.notice,
      noteMode: this.noteMode,
      draft: this.draft,
      setNoteMode: (on) => {
        this.noteMode = on;
        if (on) client.setTyping(false);
      },
      act: (action) => this.act(action),
      backToList: () => void this.backToList(),
      onThreadKeydown: (event) => this.onThreadKeydown(event),
      onInputKeydown: (event) => this.onInputKeydown(event),
      onInput: (event) => this.onInput(event),
      sendDraft: () => this.sendDraft(),
      onLogScroll: () => this.onLogScroll(),
      files: this.files.pane(this.draft),
      privacyActions: (name) => this.privacy.renderActions(openId, name),
      tools: {
        composer: this.picker.composerAttributes(),
        picker: () => this.picker.render(),
        onComposerCaret: (event) => {
          const key = (event as KeyboardEvent).key;
          if (!key || /^(Arrow(Left|Right)|Home|End|PageUp|PageDown)$/.test(key)) this.picker.follow(event.target as HTMLTextAreaElement);
        },
        onComposerBlur: () => this.picker.close(),
        foundSeq: this.foundSeq,
      },
    };
  }

  private renderNothingOpen(): TemplateResult {
    return html`<section part="thread-pane" class="thread-pane" aria-label=${this.text.messages}>
      <p class="choose">${this.text.choose}</p>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-inbox': ChatInbox;
  }
  interface GlobalEventHandlersEventMap extends ChatInboxEventMap {}
}
