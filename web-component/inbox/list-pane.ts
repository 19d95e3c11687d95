import { html, nothing, type TemplateResult } from 'lit';
import type { ConversationSummary } from '../../src/protocol.js';
import { statusText } from '../clients/connection.js';
import type { InboxFilter } from '../clients/conversation-list.js';
import type { OperatorClient } from '../clients/operator-client.js';
import { ratingBadge } from './inbox-rating.js';
import type { InboxStrings } from './strings.js';

export type Tab = 'mine' | 'unassigned' | 'assistant' | 'open' | 'resolved';

/** The tabs, in order; `assistant` only where the chat has an assistant (see tabsOf). */
export const TABS: readonly Tab[] = ['mine', 'unassigned', 'assistant', 'open', 'resolved'];

export const FILTERS: Record<Tab, InboxFilter> = {
  mine: { status: 'open', assignee: 'me' },
  unassigned: { status: 'open', assignee: 'none' },
  assistant: { status: 'open', assignee: 'any', handler: 'assistant' },
  open: { status: 'open', assignee: 'any' },
  resolved: { status: 'resolved', assignee: 'any' },
};

/** The tabs this operator sees: the Assistant's where the chat has one. */
export function tabsOf(client: OperatorClient | undefined): readonly Tab[] {
  return client?.me?.assistant ? TABS : TABS.filter((tab) => tab !== 'assistant');
}

/** What the list pane shows, and where its controls go: the `<chat-inbox>` element. */
export interface ListPaneHost {
  readonly text: InboxStrings;
  readonly client: OperatorClient | undefined;
  /** The chat refused the operator's session: they need to sign in again. */
  readonly signedOut: boolean;
  /** Where "Sign in again" goes; empty to reload the page. */
  readonly signInUrl: string;
  readonly tab: Tab;
  /** Now, as of the inbox's last clock tick: how long visitors have waited. */
  readonly now: number;
  readonly notificationPermission: NotificationPermission | 'unsupported';
  selectTab(tab: Tab): void;
  onTabKeydown(event: KeyboardEvent): void;
  onListKeydown(event: KeyboardEvent): void;
  openConversation(id: string): void;
  enableNotifications(): void;
  /** The team's tools in the list pane: saved replies' button, and search (see inbox-search.ts). */
  readonly tools: {
    headerActions(): unknown;
    searchForm(): unknown;
    /** A search is shown: its results take the place of the tabs and the list. */
    readonly searching: boolean;
    searchResults(): unknown;
  };
}

/** The inbox's list pane: its heading and connection, the tabs with their counts, and the conversations. */
export function renderListPane(host: ListPaneHost): TemplateResult {
  const { text, client } = host;
  return html`<section part="list-pane" class="list-pane" aria-labelledby="inbox-heading">
    <header class="list-header">
      <h2 id="inbox-heading">${text.heading}</h2>
      ${host.signedOut
        ? nothing
        : html`<p class="status" data-status=${client?.status ?? 'connecting'} role="status">
            <span class="dot" aria-hidden="true"></span>${statusText(client, text, text.connected)}
          </p>`}
      ${host.notificationPermission === 'default' && !host.signedOut
        ? html`<button type="button" class="link" @click=${() => host.enableNotifications()}>${text.notifications}</button>`
        : nothing}
      ${host.tools.headerActions()}
    </header>
    ${host.signedOut
      ? html`<div part="signed-out" class="signed-out" role="alert">
          <p>${text.signedOut}</p>
          ${host.signInUrl
            ? html`<a class="action primary" href=${host.signInUrl}>${text.signInAgain}</a>`
            : html`<button type="button" class="action primary" @click=${() => location.reload()}>${text.signInAgain}</button>`}
        </div>`
      : nothing}
    ${host.tools.searchForm()} ${host.tools.searching ? host.tools.searchResults() : renderConversations(host)}
  </section>`;
}

/** The tabs with their counts, and the conversations of the one chosen. */
function renderConversations(host: ListPaneHost): TemplateResult {
  const { text, client } = host;
  const counts = client?.counts;
  const conversations = client?.conversations ?? [];
  const openId = client?.open?.id;
  const focusable = conversations.findIndex((c) => c.id === openId);
  return html`<div part="tabs" class="tabs" role="tablist" aria-label=${text.filters} @keydown=${(event: KeyboardEvent) => host.onTabKeydown(event)}>
      ${tabsOf(client).map(
        (tab) => html`<button
          part="tab"
          class="tab"
          id="tab-${tab}"
          role="tab"
          type="button"
          aria-selected=${host.tab === tab ? 'true' : 'false'}
          aria-controls="conversation-list"
          tabindex=${host.tab === tab ? '0' : '-1'}
          @click=${() => host.selectTab(tab)}
        >
          ${tab === 'assistant' ? text.assistantTab : text[tab]}${counts ? html`<span class="count">${counts[tab]}</span>` : nothing}
        </button>`,
      )}
    </div>
    ${conversations.length === 0
      ? html`<p class="empty" id="conversation-list" role="tabpanel" aria-labelledby="tab-${host.tab}">${text.empty}</p>`
      : html`<ul
          part="list"
          class="list"
          id="conversation-list"
          role="listbox"
          aria-label=${text.conversations}
          @keydown=${(event: KeyboardEvent) => host.onListKeydown(event)}
        >
          ${conversations.map((conversation, i) => renderItem(host, conversation, i === Math.max(0, focusable)))}
        </ul>`}
    ${client?.hasMoreConversations
      ? html`<button type="button" class="link" @click=${() => client.loadMoreConversations()}>${text.loadMore}</button>`
      : nothing}`;
}

function renderItem(host: ListPaneHost, conversation: ConversationSummary, focusable: boolean): TemplateResult {
  const { text } = host;
  const selected = host.client?.open?.id === conversation.id;
  const last = conversation.lastMessage;
  // A message of files alone is told by their names.
  const lastText = last ? (last.erased ? text.messageDeleted : last.message || last.files?.map((file) => file.name).join(', ') || '…') : '';
  const waitingMinutes = conversation.waitingSince
    ? Math.max(0, Math.floor((host.now - new Date(conversation.waitingSince).getTime()) / 60_000))
    : undefined;
  const label = [
    conversation.visitor.name,
    conversation.unread ? text.unread(conversation.unread) : '',
    waitingMinutes === undefined ? '' : text.waiting(waitingMinutes),
    conversation.rating ? text.rated(conversation.rating.score) : '',
    last ? (last.sender.name ? `${last.sender.name}: ${lastText}` : lastText) : '',
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
    @click=${() => host.openConversation(conversation.id)}
  >
    <span class="name">${conversation.visitor.name}</span>
    <span class="when" aria-hidden="true">
      ${waitingMinutes === undefined ? '' : text.waiting(waitingMinutes)} ${ratingBadge(text, conversation.rating)}
      ${conversation.unread ? html`<span part="unread" class="unread">${conversation.unread}</span>` : nothing}
    </span>
    <span class="preview" aria-hidden="true">${last ? `${last.sender.role === 'visitor' || !last.sender.name ? '' : `${last.sender.name}: `}${lastText}` : ''}</span>
  </li>`;
}
