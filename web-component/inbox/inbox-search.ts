import { html, nothing, type TemplateResult } from 'lit';
import type { ConversationStatus, SearchHit } from '../../src/protocol.js';
import { ConversationSearch, excerpt } from '../clients/conversation-search.js';
import type { OperatorClient } from '../clients/operator-client.js';
import { safeLocale } from '../shared/locale.js';
import { ratingBadge } from './inbox-rating.js';
import type { InboxStrings } from './strings.js';

/** What the list pane's search needs of the `<chat-inbox>` element. */
export interface InboxSearchHost {
  state(): { client: OperatorClient | undefined; text: InboxStrings; lang: string };
  /** Renders the element again; resolves once that is on screen. */
  update(): Promise<void>;
  /** Where the element renders. */
  root(): ParentNode;
  /** Opens a conversation at one of its messages (by seq), or at its latest when `seq` is undefined. */
  openAt(conversationId: string, seq: number | undefined): void;
}

/**
 * The list pane's search: a search box with a status filter (radio buttons, not a select, whose
 * options would join the conversations' options for anyone who looks for the list's); its hits take the place of the tabs
 * and the list until Escape or Clear search. Each hit names the visitor and shows the matching
 * message with the match marked (as text, never as markup), and opens the conversation at that
 * message; "Load more" pages on from the last hit.
 */
export class InboxSearch {
  readonly #host: InboxSearchHost;
  readonly search: ConversationSearch;
  #text = '';
  #status: ConversationStatus | '' = '';

  constructor(host: InboxSearchHost) {
    this.#host = host;
    this.search = new ConversationSearch(
      async (payload) => this.#host.state().client?.search(payload),
      () => void this.#host.update(),
    );
  }

  get active(): boolean {
    return this.search.active;
  }

  /** The search box, its status filter and its button. */
  renderForm(): TemplateResult | typeof nothing {
    const { client, text } = this.#host.state();
    if (!client || client.status === 'refused') return nothing;
    return html`<form
      part="search"
      class="search"
      role="search"
      aria-label=${text.searchLabel}
      @submit=${(event: Event) => {
        event.preventDefault();
        void this.#submit();
      }}
    >
      <label for="search-text" class="visually-hidden">${text.searchLabel}</label>
      <input
        id="search-text"
        type="search"
        enterkeyhint="search"
        autocomplete="off"
        maxlength="200"
        placeholder=${text.searchPlaceholder}
        .value=${this.#text}
        @input=${(event: Event) => {
          this.#text = (event.target as HTMLInputElement).value;
          // The browser's own clear button (×) empties the box: back to the list.
          if (!this.#text && this.search.active) this.search.clear();
        }}
        @keydown=${(event: KeyboardEvent) => {
          if (event.key === 'Escape' && (this.#text || this.search.active)) {
            event.preventDefault();
            event.stopPropagation();
            this.clear();
          }
        }}
      />
      <button type="submit" class="action">${text.search}</button>
      <fieldset class="search-status">
        <legend class="visually-hidden">${text.searchStatus}</legend>
        ${(['', 'open', 'resolved'] as const).map(
          (status) => html`<label class="chip"
            ><input
              type="radio"
              name="search-status"
              value=${status}
              .checked=${this.#status === status}
              @change=${() => {
                this.#status = status;
                if (this.search.active) void this.#submit();
              }}
            />${status ? text[status] : text.anyStatus}</label
          >`,
        )}
      </fieldset>
    </form>`;
  }

  /** The hits, in place of the tabs and the list, while a search is shown. */
  renderResults(): TemplateResult | typeof nothing {
    const { text, client } = this.#host.state();
    const { search } = this;
    if (!search.active) return nothing;
    const openId = client?.open?.id;
    const summary =
      search.error !== undefined
        ? text.searchFailed(search.error || text.noAnswer)
        : search.loading && search.hits.length === 0
          ? text.searching
          : search.hits.length === 0
            ? text.searchEmpty
            : text.searchFound(search.hits.length, search.hasMore);
    return html`<section
      part="search-results"
      class="search-results"
      aria-labelledby="search-results-heading"
      @keydown=${(event: KeyboardEvent) => {
        if (event.key !== 'Escape') return;
        event.stopPropagation();
        this.clear();
      }}
    >
      <div class="results-head">
        <h3 id="search-results-heading">${text.searchResults}</h3>
        <button type="button" class="link" @click=${() => this.clear()}>${text.clearSearch}</button>
      </div>
      <p class="results-summary${search.error !== undefined ? ' error' : ''}" role="status">${summary}</p>
      ${search.hits.length
        ? html`<ul class="hits" aria-labelledby="search-results-heading">
            ${search.hits.map((hit) => this.#renderHit(hit, hit.conversation.id === openId))}
          </ul>`
        : nothing}
      ${search.hasMore
        ? html`<button type="button" class="link more" aria-disabled=${search.loading ? 'true' : 'false'} @click=${() => void search.loadMore()}>
            ${search.loading ? text.searching : text.loadMore}
          </button>`
        : nothing}
    </section>`;
  }

  /** Back to the list, focus in the search box. */
  clear(): void {
    const hadFocus = Boolean((this.#host.root() as ShadowRoot).activeElement?.closest('.search, .search-results'));
    this.#text = '';
    this.search.clear();
    if (hadFocus) void this.#host.update().then(() => this.#host.root().querySelector<HTMLElement>('#search-text')?.focus());
  }

  async #submit(): Promise<void> {
    const text = this.#text.trim();
    if (!text) {
      this.search.clear();
      return;
    }
    await this.search.search({ text, ...(this.#status ? { status: this.#status } : {}) });
  }

  #renderHit(hit: SearchHit, current: boolean): TemplateResult {
    const { text, lang } = this.#host.state();
    const { conversation, match } = hit;
    const query = this.search.query?.text ?? '';
    const shown = match?.message ?? conversation.lastMessage?.message ?? '';
    return html`<li>
      <button
        type="button"
        part="search-hit"
        class="hit"
        data-id=${conversation.id}
        aria-current=${current ? 'true' : 'false'}
        @click=${() => this.#host.openAt(conversation.id, match?.seq)}
      >
        <span class="hit-head">
          <span class="name">${highlighted(conversation.visitor.name, query)}</span>
          ${conversation.status === 'resolved' ? html`<span class="tag">${text.resolved}</span>` : nothing}
          ${ratingBadge(text, conversation.rating)}
          <time datetime=${hit.at}>${new Date(hit.at).toLocaleString(safeLocale(lang), { dateStyle: 'medium', timeStyle: 'short' })}</time>
        </span>
        ${shown ? html`<span class="excerpt">${excerpt(shown, query).map((part) => (part.match ? html`<mark>${part.text}</mark>` : part.text))}</span>` : nothing}
      </button>
    </li>`;
  }
}

/** `name` with the searched words marked, as text. */
function highlighted(name: string, query: string): unknown {
  return excerpt(name, query, 200).map((part) => (part.match ? html`<mark>${part.text}</mark>` : part.text));
}
