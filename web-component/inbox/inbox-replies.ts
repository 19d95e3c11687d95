import { html, nothing, type TemplateResult } from 'lit';
import type { ChatErrorPayload, SavedReply } from '../../src/protocol.js';
import type { OperatorClient } from '../clients/operator-client.js';
import { scopeOf, type ReplyScope, type SavedReplies } from '../clients/saved-replies.js';
import type { InboxStrings } from './strings.js';

/** What the saved replies' dialog needs of the `<chat-inbox>` element. */
export interface InboxRepliesHost {
  state(): {
    client: OperatorClient | undefined;
    text: InboxStrings;
    replies: SavedReplies;
    /** The inboxes a team reply may be kept for. */
    inboxes: string[];
  };
  /** Renders the element again; resolves once that is on screen. */
  update(): Promise<void>;
  /** Where the element renders. */
  root(): ParentNode;
}

/** The form of the dialog: a new reply, or the one being changed. */
interface Draft {
  id: string | undefined;
  shortcut: string;
  text: string;
  /** `personal`, `team`, or `inbox:NAME`. */
  scope: string;
}

const EMPTY: Draft = { id: undefined, shortcut: '', text: '', scope: 'personal' };

/**
 * The saved replies' dialog, opened from the list pane: the operator's own replies, which they
 * always manage, and the team's (for every inbox or for one), which only operators granted
 * `can: ['replies']` change; the others see them read only. A form adds a reply or changes one,
 * with the server's refusals (VALIDATION per field, CONFLICT for a shortcut in use) beside the
 * fields they concern.
 */
export class InboxReplies {
  readonly #host: InboxRepliesHost;
  #open = false;
  #draft: Draft = { ...EMPTY };
  #errors: Record<string, string> = {};
  #status = '';
  #busy = false;
  #trigger: HTMLElement | undefined;

  constructor(host: InboxRepliesHost) {
    this.#host = host;
  }

  /** The button that opens the dialog, in the list pane's header. */
  renderButton(): TemplateResult | typeof nothing {
    const { client, text } = this.#host.state();
    if (!client || client.status === 'refused') return nothing;
    return html`<button
      type="button"
      part="replies-button"
      class="link replies-button"
      aria-haspopup="dialog"
      @click=${(event: Event) => void this.#show(event.currentTarget as HTMLElement)}
    >
      ${text.savedReplies}
    </button>`;
  }

  renderDialog(): TemplateResult | typeof nothing {
    if (!this.#open) return nothing;
    const { client, text, replies, inboxes } = this.#host.state();
    const all = replies.cached('');
    const manager = client?.hasPermission('replies') ?? false;
    const own = (all ?? []).filter((reply) => reply.owner !== null);
    const team = (all ?? []).filter((reply) => reply.owner === null);
    const draft = this.#draft;
    const error = (field: string) =>
      this.#errors[field] ? html`<p class="field-error" id="reply-${field}-error">${this.#errors[field]}</p>` : nothing;
    const described = (field: string, hint?: string) => [hint, this.#errors[field] ? `reply-${field}-error` : undefined].filter(Boolean).join(' ') || undefined;
    return html`<dialog
      part="replies-dialog"
      class="replies-dialog"
      aria-labelledby="replies-title"
      @close=${() => this.#closed()}
      @keydown=${(event: KeyboardEvent) => {
        // Escape closes the dialog only, not the conversation under it.
        if (event.key === 'Escape') event.stopPropagation();
      }}
    >
      <div class="dialog-head">
        <h2 id="replies-title">${text.savedReplies}</h2>
        <button type="button" class="action close" @click=${() => this.#dialog()?.close()}>${text.close}</button>
      </div>
      ${all === undefined
        ? html`<p class="muted">${text.repliesLoading}</p>`
        : html`${this.#renderGroup(text.repliesYours, own, () => true, text)}
          ${this.#renderGroup(text.repliesTeam, team, () => manager, text, manager ? undefined : text.repliesReadOnly)}`}
      <form
        class="reply-form"
        aria-labelledby="reply-form-title"
        novalidate
        @submit=${(event: Event) => {
          event.preventDefault();
          void this.#save();
        }}
      >
        <h3 id="reply-form-title">${draft.id ? text.editingReply(this.#editedShortcut(all) ?? draft.shortcut) : text.newReply}</h3>
        <label for="reply-shortcut">${text.replyShortcut}</label>
        <input
          id="reply-shortcut"
          name="shortcut"
          autocomplete="off"
          spellcheck="false"
          maxlength="32"
          .value=${draft.shortcut}
          aria-invalid=${this.#errors.shortcut ? 'true' : 'false'}
          aria-describedby=${described('shortcut', 'reply-shortcut-hint') ?? ''}
          @input=${(event: Event) => (draft.shortcut = (event.target as HTMLInputElement).value)}
        />
        <p class="hint" id="reply-shortcut-hint">${text.replyShortcutHint}</p>
        ${error('shortcut')}
        <label for="reply-text">${text.replyText}</label>
        <textarea
          id="reply-text"
          name="text"
          rows="3"
          .value=${draft.text}
          aria-invalid=${this.#errors.text ? 'true' : 'false'}
          aria-describedby=${described('text', 'reply-text-hint') ?? ''}
          @input=${(event: Event) => (draft.text = (event.target as HTMLTextAreaElement).value)}
        ></textarea>
        <p class="hint" id="reply-text-hint">${text.replyTextHint}</p>
        ${error('text')}
        ${manager
          ? html`<label for="reply-scope">${text.replyScope}</label>
              <select
                id="reply-scope"
                aria-invalid=${this.#errors.inbox ? 'true' : 'false'}
                aria-describedby=${described('inbox') ?? nothing}
                @change=${(event: Event) => (draft.scope = (event.target as HTMLSelectElement).value)}
              >
                <option value="personal" ?selected=${draft.scope === 'personal'}>${text.scopePersonal}</option>
                <option value="team" ?selected=${draft.scope === 'team'}>${text.scopeTeam}</option>
                ${[...new Set([...inboxes, ...(draft.scope.startsWith('inbox:') ? [draft.scope.slice(6)] : [])])].map(
                  (inbox) => html`<option value="inbox:${inbox}" ?selected=${draft.scope === `inbox:${inbox}`}>${text.scopeInbox(inbox)}</option>`,
                )}
              </select>
              ${error('inbox')}`
          : nothing}
        ${this.#errors[''] ? html`<p class="field-error" role="alert">${this.#errors['']}</p>` : nothing}
        <div class="dialog-actions">
          ${draft.id ? html`<button type="button" class="action" @click=${() => this.#edit(undefined)}>${text.cancel}</button>` : nothing}
          <button type="submit" class="action primary" aria-disabled=${this.#busy ? 'true' : 'false'}>${draft.id ? text.saveReply : text.addReply}</button>
        </div>
      </form>
      <p class="replies-status" role="status">${this.#status}</p>
    </dialog>`;
  }

  #renderGroup(heading: string, replies: SavedReply[], editable: (reply: SavedReply) => boolean, text: InboxStrings, note?: string): TemplateResult {
    const id = heading === text.repliesYours ? 'replies-own' : 'replies-team';
    return html`<section class="reply-group" aria-labelledby=${id}>
      <h3 id=${id}>${heading}</h3>
      ${note ? html`<p class="muted">${note}</p>` : nothing}
      ${replies.length === 0
        ? html`<p class="muted">${text.repliesEmpty}</p>`
        : html`<ul class="reply-rows">
            ${replies.map(
              (reply) => html`<li class="reply-row" data-reply-id=${reply.id}>
                <span class="shortcut">/${reply.shortcut}</span>
                ${reply.owner === null ? html`<span class="scope">${reply.inbox ? text.scopeInbox(reply.inbox) : text.scopeTeam}</span>` : nothing}
                <span class="reply-text">${reply.text}</span>
                ${editable(reply)
                  ? html`<span class="row-actions">
                      <button type="button" class="action" aria-label=${text.editReply(reply.shortcut)} @click=${() => this.#edit(reply)}>${text.edit}</button>
                      <button type="button" class="action danger" aria-label=${text.removeReply(reply.shortcut)} @click=${() => void this.#remove(reply)}>
                        ${text.remove}
                      </button>
                    </span>`
                  : nothing}
              </li>`,
            )}
          </ul>`}
    </section>`;
  }

  #dialog(): HTMLDialogElement | null {
    return this.#host.root().querySelector<HTMLDialogElement>('dialog.replies-dialog');
  }

  #editedShortcut(all: SavedReply[] | undefined): string | undefined {
    return all?.find((reply) => reply.id === this.#draft.id)?.shortcut;
  }

  async #show(trigger: HTMLElement): Promise<void> {
    this.#open = true;
    this.#trigger = trigger;
    this.#status = '';
    this.#errors = {};
    this.#draft = { ...EMPTY };
    void this.#host.state().replies.list('');
    await this.#host.update();
    const dialog = this.#dialog();
    if (dialog && !dialog.open) dialog.showModal();
    dialog?.querySelector<HTMLElement>('#reply-shortcut')?.focus();
  }

  /** Closed by Close or Escape: focus goes back to the button that opened it. */
  #closed(): void {
    this.#open = false;
    void this.#host.update();
    if (this.#trigger?.isConnected) this.#trigger.focus();
    this.#trigger = undefined;
  }

  /** Fills the form with `reply` to change it, or empties it (undefined) for a new one. */
  async #edit(reply: SavedReply | undefined): Promise<void> {
    const scope = reply ? scopeOf(reply) : undefined;
    this.#draft = reply
      ? { id: reply.id, shortcut: reply.shortcut, text: reply.text, scope: scope!.personal ? 'personal' : scope!.inbox ? `inbox:${scope!.inbox}` : 'team' }
      : { ...EMPTY };
    this.#errors = {};
    this.#status = '';
    await this.#host.update();
    this.#dialog()?.querySelector<HTMLElement>('#reply-shortcut')?.focus();
  }

  async #save(): Promise<void> {
    const { replies, client, text } = this.#host.state();
    if (this.#busy) return;
    const draft = this.#draft;
    const scope: ReplyScope =
      !client?.hasPermission('replies') || draft.scope === 'personal'
        ? { personal: true }
        : { personal: false, inbox: draft.scope.startsWith('inbox:') ? draft.scope.slice(6) : null };
    this.#busy = true;
    this.#status = '';
    await this.#host.update();
    try {
      const ack = await replies.save({ ...(draft.id ? { id: draft.id } : {}), shortcut: draft.shortcut.trim(), text: draft.text, scope });
      if (ack?.ok) {
        this.#errors = {};
        this.#draft = { ...EMPTY };
        this.#status = text.replySaved(ack.reply?.shortcut ?? draft.shortcut.trim());
      } else {
        this.#errors = errorsOf(ack?.error, text);
      }
    } finally {
      this.#busy = false;
      await this.#host.update();
    }
    // To the first field the server refused, where its message is.
    const invalid = this.#dialog()?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else if (!this.#errors['']) this.#dialog()?.querySelector<HTMLElement>('#reply-shortcut')?.focus();
  }

  async #remove(reply: SavedReply): Promise<void> {
    const { replies, text } = this.#host.state();
    if (this.#busy) return;
    this.#busy = true;
    try {
      const ack = await replies.remove(reply.id);
      if (ack?.ok) {
        this.#status = text.replyRemoved(reply.shortcut);
        if (this.#draft.id === reply.id) this.#draft = { ...EMPTY };
      } else this.#status = text.replyFailed(ack?.error.message ?? text.noAnswer);
    } finally {
      this.#busy = false;
      await this.#host.update();
    }
    // The row and its button are gone: focus goes to the form rather than to the page.
    this.#dialog()?.querySelector<HTMLElement>('#reply-shortcut')?.focus();
  }
}

/**
 * The server's refusal by field: VALIDATION's own fields, CONFLICT (a shortcut in use) beside the
 * shortcut; anything else under '' for the whole form.
 */
function errorsOf(error: ChatErrorPayload | undefined, text: InboxStrings): Record<string, string> {
  if (!error) return { '': text.replyFailed(text.noAnswer) };
  if (error.code === 'CONFLICT') return { shortcut: error.message };
  if (error.code === 'VALIDATION' && error.fields && Object.keys(error.fields).length > 0) {
    const known = ['shortcut', 'text', 'inbox'];
    const errors: Record<string, string> = {};
    for (const [field, message] of Object.entries(error.fields)) errors[known.includes(field) ? field : ''] = message;
    return errors;
  }
  return { '': text.replyFailed(error.message) };
}
