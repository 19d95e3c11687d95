import { html, nothing, type TemplateResult } from 'lit';
import type { SavedReply } from '../../src/protocol.js';
import { fillReply, matchReplies, type SavedReplies } from '../clients/saved-replies.js';
import type { InboxStrings } from './strings.js';

/** What the composer's `/` list needs of the `<chat-inbox>` element. */
export interface ReplyPickerHost {
  state(): {
    text: InboxStrings;
    replies: SavedReplies;
    /** The open conversation's inbox, visitor and operator: which replies, and the names they fill in. */
    inbox: string | undefined;
    visitorName: string;
    operatorName: string;
  };
  /** Renders the element again; resolves once that is on screen. */
  update(): Promise<void>;
  /** The composer's textarea. */
  input(): HTMLTextAreaElement | null | undefined;
  /** Replaces the draft (the textarea follows it). */
  setDraft(value: string): void;
}

/** The `/query` being typed: where it starts (the slash) and what follows it. */
interface Token {
  start: number;
  end: number;
  query: string;
}

/** The textarea's attributes while the list is open or closed (see `composerAttributes`). */
export interface ComposerAttributes {
  role: 'combobox' | undefined;
  expanded: 'true' | undefined;
  controls: string | undefined;
  activedescendant: string | undefined;
}

const LIST_ID = 'reply-picker';

/**
 * The composer's saved replies: `/` at the start of the reply or after a space opens a list of
 * the operator's replies for the conversation's inbox, narrowed by what follows (shortcut, then
 * text); ArrowUp and ArrowDown move, Enter, Tab or a click puts the reply's text in place of
 * `/query` with the names filled in, Escape closes it. The textarea is the combobox of the ARIA
 * pattern while the list is open (aria-expanded, aria-controls, aria-activedescendant); closed, it
 * is the plain Reply textbox it always was, since a textbox may not carry aria-expanded.
 */
export class ReplyPicker {
  readonly #host: ReplyPickerHost;
  #token: Token | undefined;
  #active = 0;
  /** The slash whose list Escape closed: it stays closed until another `/` is typed. */
  #dismissed: number | undefined;

  constructor(host: ReplyPickerHost) {
    this.#host = host;
  }

  get open(): boolean {
    return this.#token !== undefined;
  }

  /** The replies the list offers now. */
  #matches(): SavedReply[] {
    const { replies, inbox } = this.#host.state();
    if (!this.#token || inbox === undefined) return [];
    return matchReplies(replies.cached(inbox) ?? [], this.#token.query);
  }

  /** Forgets the list, e.g. when another conversation opens. */
  reset(): void {
    this.#token = undefined;
    this.#dismissed = undefined;
    this.#active = 0;
  }

  /** After the text or the caret changed: opens, narrows or closes the list. */
  follow(input: HTMLTextAreaElement): void {
    const caret = input.selectionStart === input.selectionEnd ? input.selectionStart : -1;
    const found = caret < 0 ? null : /(?:^|\s)\/([^\s/]*)$/.exec(input.value.slice(0, caret));
    const start = found ? caret - found[1]!.length - 1 : undefined;
    if (start !== this.#dismissed) this.#dismissed = undefined;
    const previous = this.#token;
    this.#token = found && start !== this.#dismissed ? { start: start!, end: caret, query: found[1]! } : undefined;
    if (this.#token?.query !== previous?.query || this.#token?.start !== previous?.start) this.#active = 0;
    if (this.#token && !previous) {
      const { replies, inbox } = this.#host.state();
      if (inbox !== undefined) void replies.list(inbox);
    }
    if (this.#token || previous) void this.#host.update();
  }

  close(): void {
    if (!this.#token) return;
    this.#token = undefined;
    void this.#host.update();
  }

  /** Keys in the composer while the list is open; says whether it took the key (Enter then does not send). */
  onKeydown(event: KeyboardEvent): boolean {
    if (!this.#token || event.isComposing) return false;
    const matches = this.#matches();
    if (event.key === 'Escape') {
      event.preventDefault();
      // Closes the list only, not the conversation under it.
      event.stopPropagation();
      this.#dismissed = this.#token.start;
      this.close();
      return true;
    }
    if (matches.length === 0) return false;
    const move = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (move !== undefined) {
      event.preventDefault();
      this.#active = (this.#active + move + matches.length) % matches.length;
      void this.#host.update().then(() => this.#activeOption()?.scrollIntoView({ block: 'nearest' }));
      return true;
    }
    if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
      event.preventDefault();
      this.#insert(matches[Math.min(this.#active, matches.length - 1)]!);
      return true;
    }
    return false;
  }

  /** The textarea's combobox attributes, while the list shows replies. */
  composerAttributes(): ComposerAttributes {
    const expanded = this.#token !== undefined && this.#matches().length > 0;
    return {
      role: expanded ? 'combobox' : undefined,
      expanded: expanded ? 'true' : undefined,
      controls: expanded ? LIST_ID : undefined,
      activedescendant: expanded ? `reply-option-${this.#active}` : undefined,
    };
  }

  /** The list above the composer, while a `/` is being typed. */
  render(): TemplateResult | typeof nothing {
    const token = this.#token;
    if (!token) return nothing;
    const { text, replies, inbox, visitorName, operatorName } = this.#host.state();
    const loaded = inbox !== undefined && replies.cached(inbox) !== undefined;
    const matches = this.#matches();
    if (matches.length === 0) {
      return html`<p part="reply-picker" class="reply-picker empty" role="status">${loaded ? text.noReplyMatches(token.query) : text.repliesLoading}</p>`;
    }
    return html`<ul part="reply-picker" class="reply-picker" id=${LIST_ID} role="listbox" aria-label=${text.savedReplies}>
      ${matches.map(
        (reply, i) => html`<li
          id="reply-option-${i}"
          class="reply-option"
          role="option"
          aria-selected=${i === this.#active ? 'true' : 'false'}
          @mousedown=${(event: MouseEvent) => event.preventDefault()}
          @click=${() => this.#insert(reply)}
        >
          <span class="shortcut">/${reply.shortcut}</span>
          <span class="reply-text">${fillReply(reply.text, { visitorName, operatorName })}</span>
        </li>`,
      )}
    </ul>`;
  }

  #activeOption(): HTMLElement | null | undefined {
    return this.#host.input()?.getRootNode() instanceof ShadowRoot
      ? (this.#host.input()!.getRootNode() as ShadowRoot).getElementById(`reply-option-${this.#active}`)
      : undefined;
  }

  /** Puts the reply in place of `/query`, the caret after it. */
  #insert(reply: SavedReply): void {
    const token = this.#token;
    const input = this.#host.input();
    if (!token || !input) return;
    const { visitorName, operatorName } = this.#host.state();
    const filled = fillReply(reply.text, { visitorName, operatorName });
    const value = input.value.slice(0, token.start) + filled + input.value.slice(token.end);
    const caret = token.start + filled.length;
    this.#token = undefined;
    this.#host.setDraft(value);
    void this.#host.update().then(() => {
      input.focus();
      input.setSelectionRange(caret, caret);
    });
  }
}
