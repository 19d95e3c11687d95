import { html, nothing, type TemplateResult } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { Assignee, ChatMessage, ConversationSummary } from '../../src/protocol.js';
import type { OperatorClient } from '../clients/operator-client.js';
import type { OutgoingMessage } from '../clients/outbox.js';
import { clockTime, dayLine, outgoingState } from '../shared/message-meta.js';
import { renderText } from '../shared/render-text.js';
import { threadRows, type ThreadRow } from '../shared/thread-rows.js';
import { renderRating, renderResolveWithoutRating } from './inbox-rating.js';
import type { ComposerAttributes } from './reply-picker.js';
import type { InboxStrings } from './strings.js';

/** What the thread pane shows, and where its controls go: the `<chat-inbox>` element. */
export interface ThreadPaneHost {
  readonly text: InboxStrings;
  readonly lang: string;
  /** With a conversation open. */
  readonly client: OperatorClient & { open: NonNullable<OperatorClient['open']> };
  /** Operators online who may take the conversation. */
  readonly teammates: Assignee[];
  /** The last refusal, e.g. someone else took the conversation. */
  readonly notice: string;
  readonly noteMode: boolean;
  readonly draft: string;
  setNoteMode(on: boolean): void;
  /** Runs an action on the conversation, clearing the notice first. */
  act(action: () => Promise<unknown>): Promise<void>;
  backToList(): void;
  onThreadKeydown(event: KeyboardEvent): void;
  onInputKeydown(event: KeyboardEvent): void;
  onInput(event: Event): void;
  sendDraft(): void;
  onLogScroll(): void;
  /** Export and erase of the visitor's data, for operators granted `privacy` (see inbox-privacy.ts). */
  privacyActions(visitorName: string): unknown;
  /** Files: the composer's, each message's, and those of replies on their way. */
  readonly files: {
    /** There is text or a file to send. */
    readonly canSend: boolean;
    /** The chat takes files. */
    readonly taken: boolean;
    composer(): unknown;
    thread(message: ChatMessage): unknown;
    outgoing(entry: OutgoingMessage): unknown;
    onPaste(event: ClipboardEvent): void;
    onDrag(event: DragEvent): void;
  };
  /** The team's tools in the thread: the composer's saved replies, and the message a search opened at. */
  readonly tools: {
    /** The textarea's combobox attributes while the saved replies' list is open (see reply-picker.ts). */
    readonly composer: ComposerAttributes;
    /** The saved replies' list over the composer. */
    picker(): unknown;
    /** The caret moved or the textarea lost focus: the list follows. */
    onComposerCaret(event: Event): void;
    onComposerBlur(): void;
    /** The seq of the message a search opened the conversation at, marked until another opens. */
    readonly foundSeq: number | undefined;
  };
}

/** The open conversation: the visitor and the actions, the messages and notes, and the reply composer. */
export function renderThreadPane(host: ThreadPaneHost): TemplateResult {
  const { text, client } = host;
  const { open } = client;
  // The chat refused this inbox (signed out, another origin): nothing can be sent until that changes.
  const refused = client.status === 'refused';
  const summary = client.get(open.id);
  const visitor = open.visitor;
  const me = client.me;
  const mine = summary?.assignee?.id === me?.id;
  const name = visitor?.name ?? summary?.visitor.name ?? '';
  // Presence is only known while connected: a signed-out or offline inbox shows none rather than a stale one.
  const presence =
    client.status !== 'online'
      ? undefined
      : visitor?.online
        ? text.onlineNow
        : visitor?.lastSeenAt
          ? text.lastSeen(clockTime(visitor.lastSeenAt, host.lang))
          : text.offlineVisitor;
  const entries = [...open.messages.messages, ...open.notes.messages].sort(
    (a, b) => a.timestamp.localeCompare(b.timestamp) || a.seq - b.seq,
  );
  const rows = threadRows(
    entries.map((message) => ({ key: message.erased ? 'erased' : `${message.note ? 'note' : message.sender.role}:${message.sender.id}`, at: message.timestamp })),
    host.lang,
  );
  const drag = (event: DragEvent) => host.files.onDrag(event);
  return html`<section
    part="thread-pane"
    class="thread-pane"
    aria-labelledby="thread-heading"
    @keydown=${(event: KeyboardEvent) => host.onThreadKeydown(event)}
    @dragenter=${drag}
    @dragover=${drag}
    @dragleave=${drag}
    @drop=${drag}
  >
    <header part="thread-header" class="thread-header">
      <button type="button" class="link back" @click=${() => host.backToList()}>${text.back}</button>
      <div class="who">
        <h3 id="thread-heading">${name}</h3>
        ${presence === undefined
          ? nothing
          : html`<p class=${visitor?.online ? 'online' : ''}><span class="dot" aria-hidden="true"></span>${presence}</p>`}
        <p>
          ${summary?.handler === 'assistant' && !summary.assignee
            ? text.assistantAnswers(me?.assistant?.name ?? text.assistantTab)
            : summary?.assignee
              ? mine
                ? text.assignedToYou
                : text.assignedTo(summary.assignee.name)
              : text.nobodyAssigned}
        </p>
        ${renderRating(text, summary?.rating)}
        ${summary?.handoff && summary.handler !== 'assistant'
          ? html`<p class="handoff">${text.handedOver(summary.handoff.reason)}${summary.handoff.summary ? html`<q>${summary.handoff.summary}</q>` : nothing}</p>`
          : nothing}
      </div>
      <div class="actions">
        ${mine
          ? nothing
          : html`<button type="button" class="action primary" @click=${() => host.act(() => client.assign(me!.id))}>
              ${summary?.handler === 'assistant' ? text.takeOver : text.take}
            </button>`}
        ${host.teammates.length > 1
          ? html`<label class="switch">
              ${text.assignTo}
              <select
                @change=${(event: Event) => {
                  const id = (event.target as HTMLSelectElement).value;
                  if (id) void host.act(() => client.assign(id));
                }}
              >
                <option value="">…</option>
                ${host.teammates.map((mate) => html`<option value=${mate.id}>${mate.name}</option>`)}
              </select>
            </label>`
          : nothing}
        ${summary?.status === 'resolved'
          ? html`<button type="button" class="action" @click=${() => host.act(() => client.setStatus('open'))}>${text.reopen}</button>`
          : html`<button type="button" class="action" @click=${() => host.act(() => client.setStatus('resolved'))}>${text.resolve}</button>`}
        ${renderResolveWithoutRating(text, client, summary, (action) => host.act(action))}
      </div>
      ${host.notice ? html`<p class="status" role="alert">${host.notice}</p>` : nothing}
    </header>
    <div class="visitor-band">
      <dl part="visitor" class="details">
        <div>
          <dt>${text.email}</dt>
          <dd>${visitor?.email ? html`<a class="link" href=${`mailto:${visitor.email}`}>${visitor.email}</a>` : text.none}</dd>
        </div>
        <div>
          <dt>${text.phone}</dt>
          <dd>${visitor?.phone ? html`<a class="link" href=${`tel:${visitor.phone}`}>${visitor.phoneDisplay || visitor.phone}</a>` : text.none}</dd>
        </div>
      </dl>
      ${host.privacyActions(name)}
    </div>
    <div part="log" class="log" role="log" aria-live="polite" aria-label=${text.messages} tabindex="0" @scroll=${() => host.onLogScroll()}>
      <ol class="messages">
        ${open.hasMore
          ? html`<li class="older"><button type="button" class="link" @click=${() => client.loadOlder()}>${text.loadOlder}</button></li>`
          : nothing}
        ${entries.map((message, i) => [
          dayLine(rows[i]!),
          renderMessage(host, message, summary, rows[i]!),
        ])}
        ${client.pending.map((entry) => renderPending(host, entry))}
      </ol>
    </div>
    <p class="typing" aria-live="polite">${open.visitorTyping ? text.typing(name) : ''}</p>
    <form
      part="composer"
      class="composer${host.noteMode ? ' note-mode' : ''}${host.files.taken && !refused ? ' with-files' : ''}"
      @submit=${(event: Event) => {
        event.preventDefault();
        host.sendDraft();
      }}
      @paste=${(event: ClipboardEvent) => host.files.onPaste(event)}
    >
      ${host.tools.picker()}
      <label for="reply-input" class="visually-hidden">${host.noteMode ? text.noteLabel : text.reply}</label>
      <textarea
        part="input"
        id="reply-input"
        rows="2"
        placeholder=${host.noteMode ? text.notePlaceholder : text.replyPlaceholder}
        ?disabled=${refused}
        .value=${host.draft}
        role=${ifDefined(host.tools.composer.role)}
        aria-autocomplete="list"
        aria-expanded=${ifDefined(host.tools.composer.expanded)}
        aria-controls=${ifDefined(host.tools.composer.controls)}
        aria-activedescendant=${ifDefined(host.tools.composer.activedescendant)}
        @keydown=${(event: KeyboardEvent) => host.onInputKeydown(event)}
        @input=${(event: Event) => host.onInput(event)}
        @keyup=${(event: KeyboardEvent) => host.tools.onComposerCaret(event)}
        @click=${(event: Event) => host.tools.onComposerCaret(event)}
        @blur=${() => host.tools.onComposerBlur()}
      ></textarea>
      ${refused ? nothing : host.files.composer()}
      <label class="switch">
        <input part="note-switch" type="checkbox" .checked=${host.noteMode} @change=${(event: Event) => {
          host.setNoteMode((event.target as HTMLInputElement).checked);
        }} />
        ${text.note}
      </label>
      <button part="send-button" class="send" type="submit" ?disabled=${refused || !host.files.canSend}>${text.send}</button>
    </form>
  </section>`;
}

function renderMessage(host: ThreadPaneHost, message: ChatMessage, summary: ConversationSummary | undefined, row: ThreadRow): TemplateResult {
  const { text } = host;
  if (message.erased) return renderTombstone(host, message, row);
  const kind = message.note ? 'note' : message.sender.role === 'visitor' ? 'visitor' : message.sender.role === 'assistant' ? 'assistant' : 'team';
  const own = message.sender.id === host.client.me?.senderId;
  const seen = (kind === 'team' || kind === 'assistant') && message.seq <= (summary?.visitorReadSeq ?? 0);
  // A run names its sender once; the operator's own replies need no name, a note says it is one.
  const labelShown = row.first && (!own || kind === 'note');
  const streaming = message.status === 'streaming';
  const activity = streaming && host.client.open.activity?.id === message.id ? host.client.open.activity.activity : undefined;
  const found = !message.note && message.seq === host.tools.foundSeq;
  return html`<li
    part="message message-${kind}"
    class="message ${kind}${kind === 'visitor' ? '' : ' end'}${row.first ? ' first' : ''}${row.last ? ' last' : ''}${found ? ' found' : ''}"
    data-seq=${ifDefined(message.note ? undefined : message.seq)}
    tabindex=${ifDefined(found ? '-1' : undefined)}
  >
    <span class=${labelShown ? 'sender' : 'sender visually-hidden'}
      >${message.note ? `${text.note} · ` : ''}${own ? text.you : message.sender.name}${kind === 'assistant' ? html` <span class="badge">${text.assistantBadge}</span>` : nothing}</span
    >
    ${streaming
      ? // Read once it ends, not at every piece of it.
        html`<div class="text" aria-hidden="true">${renderText(message.message)}<span class="caret"></span></div>
          ${activity ? html`<p class="activity">${activity}…</p>` : nothing}`
      : html`<p class="text">${renderText(message.message)}</p>`}
    ${host.files.thread(message)}
    ${message.status === 'interrupted' ? html`<p class="stopped">${text.stopped}</p>` : nothing}
    ${message.citations?.length
      ? html`<ul class="sources" aria-label=${text.sources}>
          ${message.citations.map((citation) => html`<li><a href=${citation.url} target="_blank" rel="noopener noreferrer nofollow">${citation.title}</a></li>`)}
        </ul>`
      : nothing}
    <span class="meta">
      <time datetime=${message.timestamp}>${clockTime(message.timestamp, host.lang)}</time>
      ${seen ? html`<span>${text.seen}</span>` : nothing}
    </span>
  </li>`;
}

/** An erased message keeps its place in the thread, saying only that it was deleted. */
function renderTombstone(host: ThreadPaneHost, message: ChatMessage, row: ThreadRow): TemplateResult {
  const side = message.sender.role === 'visitor' ? '' : ' end';
  return html`<li part="message message-erased" class="message erased${side}${row.first ? ' first' : ''}${row.last ? ' last' : ''}">
    <p class="text">${host.text.messageDeleted}</p>
    <span class="meta"><time datetime=${message.timestamp}>${clockTime(message.timestamp, host.lang)}</time></span>
  </li>`;
}

function renderPending(host: ThreadPaneHost, entry: OutgoingMessage): TemplateResult {
  const { text } = host;
  const kind = entry.note ? 'note' : 'team';
  return html`<li part="message message-${kind}" class="message ${kind} end first last ${entry.status}">
    <span class=${entry.note ? 'sender' : 'sender visually-hidden'}>${entry.note ? `${text.note} · ` : ''}${text.you}</span>
    <p class="text">${renderText(entry.message)}</p>
    ${host.files.outgoing(entry)}
    <span class="meta">${outgoingState(entry, text, host.client.status === 'refused' ? undefined : (clientId) => host.client.retry(clientId))}</span>
  </li>`;
}
