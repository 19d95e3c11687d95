import { css, html, nothing, type TemplateResult } from 'lit';
import type { ChatErrorPayload, EraseMode } from '../../src/protocol.js';
import type { OperatorClient } from '../clients/operator-client.js';
import type { InboxStrings } from './strings.js';

/** What the inbox's privacy actions need of the `<chat-inbox>` element. */
export interface InboxPrivacyHost {
  state(): { client: OperatorClient | undefined; text: InboxStrings };
  /** Renders the element again; resolves once that is on screen. */
  update(): Promise<void>;
  /** Where the element renders. */
  root(): ParentNode;
}

/** The visitor the erase dialog asks about. */
interface EraseRequest {
  conversationId: string;
  name: string;
  mode: EraseMode;
}

/**
 * The privacy actions of the open conversation, for operators whom `identify` granted
 * `can: ['privacy']`: export the visitor's data as a JSON download, and erase the visitor after
 * a confirmation in a modal dialog. What they do and how it went is said in the inbox's live region
 * (`renderStatus`), which stays in place whatever pane is shown, so it outlives a conversation that
 * the erase deleted.
 */
export class InboxPrivacy {
  readonly #host: InboxPrivacyHost;
  #status = '';
  #statusIsError = false;
  /** An export or an erase is on its way: the buttons wait for it. */
  #busy = false;
  #confirming: EraseRequest | undefined;
  /** The button that opened the dialog, where focus goes back when it closes. */
  #trigger: HTMLElement | undefined;
  /** The conversation last erased from here: its deletion is told by the counts, not a second line. */
  #erasedHere: string | undefined;

  constructor(host: InboxPrivacyHost) {
    this.#host = host;
  }

  /** Says `text` in the live region (replacing what it said). */
  announce(text: string, isError = false): void {
    this.#status = text;
    this.#statusIsError = isError;
    void this.#host.update();
  }

  /** Whether the erase that deleted `conversationId` was this operator's own (and has said so). */
  erasedHere(conversationId: string): boolean {
    return this.#erasedHere === conversationId;
  }

  /** The two buttons, for an operator granted `privacy`; nothing for the others. */
  renderActions(conversationId: string, name: string): TemplateResult | typeof nothing {
    const { client, text } = this.#host.state();
    if (!client?.hasPermission('privacy')) return nothing;
    // aria-disabled, not disabled: a button disabled while it has focus drops it to the page, and the
    // erase's result (or the conversation's deletion) should find the operator where they were.
    const unavailable = this.#busy || client.status !== 'online';
    return html`<div part="privacy-actions" class="privacy-actions" role="group" aria-label=${text.visitorData}>
      <button
        type="button"
        class="action"
        aria-disabled=${unavailable ? 'true' : 'false'}
        @click=${() => {
          if (!unavailable) void this.#export(conversationId, name);
        }}
      >
        ${text.exportVisitor}
      </button>
      <button
        type="button"
        class="action danger"
        aria-haspopup="dialog"
        aria-disabled=${unavailable ? 'true' : 'false'}
        @click=${(event: Event) => {
          if (!unavailable) void this.#openDialog({ conversationId, name, mode: 'delete' }, event.currentTarget as HTMLElement);
        }}
      >
        ${text.eraseVisitor}
      </button>
    </div>`;
  }

  /** The inbox's live region: present from the start, so what it says later is announced. */
  renderStatus(): TemplateResult {
    return html`<p part="announcement" class="announcement${this.#statusIsError ? ' error' : ''}" role="status">${this.#status}</p>`;
  }

  /** The confirmation of an erase, while it is asked. */
  renderDialog(): TemplateResult | typeof nothing {
    const request = this.#confirming;
    if (!request) return nothing;
    const { text } = this.#host.state();
    const choose = (mode: EraseMode) => () => (request.mode = mode);
    return html`<dialog
      part="erase-dialog"
      class="erase-dialog"
      aria-labelledby="erase-title"
      aria-describedby="erase-warning"
      @close=${() => this.#closed()}
      @keydown=${(event: KeyboardEvent) => {
        // Escape cancels the dialog only, not the conversation under it (which it would send back to the list).
        if (event.key === 'Escape') event.stopPropagation();
      }}
    >
      <form
        @submit=${(event: Event) => {
          event.preventDefault();
          void this.#confirm(request);
        }}
      >
        <h2 id="erase-title">${text.eraseTitle(request.name)}</h2>
        <p id="erase-warning">${text.eraseWarning(request.name)}</p>
        <fieldset>
          <legend>${text.eraseChoice}</legend>
          <label><input type="radio" name="erase-mode" value="delete" .checked=${request.mode === 'delete'} @change=${choose('delete')} />${text.eraseDelete}</label>
          <label
            ><input type="radio" name="erase-mode" value="anonymize" .checked=${request.mode === 'anonymize'} @change=${choose('anonymize')} />${text.eraseAnonymize}</label
          >
        </fieldset>
        <div class="dialog-actions">
          <button type="button" class="action cancel" @click=${() => this.#dialog()?.close()}>${text.cancel}</button>
          <button type="submit" class="action danger">${text.erase}</button>
        </div>
      </form>
    </dialog>`;
  }

  #dialog(): HTMLDialogElement | null {
    return this.#host.root().querySelector<HTMLDialogElement>('dialog.erase-dialog');
  }

  async #openDialog(request: EraseRequest, trigger: HTMLElement): Promise<void> {
    this.#confirming = request;
    this.#trigger = trigger;
    await this.#host.update();
    const dialog = this.#dialog();
    if (dialog && !dialog.open) dialog.showModal();
    // Cancel first: of the two, the choice that loses nothing.
    dialog?.querySelector<HTMLElement>('.cancel')?.focus();
  }

  /** Closed by Cancel, Escape or Erase: focus goes back to the button that opened it. */
  #closed(): void {
    this.#confirming = undefined;
    void this.#host.update();
    if (this.#trigger?.isConnected) this.#trigger.focus();
    this.#trigger = undefined;
  }

  async #export(conversationId: string, name: string): Promise<void> {
    const { client, text } = this.#host.state();
    if (!client || this.#busy) return;
    this.#busy = true;
    this.announce(text.exporting(name));
    try {
      const ack = await client.exportVisitor(conversationId);
      if (!ack?.ok) {
        this.announce(text.exportFailed(reasonOf(ack?.error, text)), true);
        return;
      }
      const fileName = `visitor-${conversationId}.json`;
      download(fileName, JSON.stringify(ack.export, null, 2));
      this.announce(text.exported(fileName));
    } finally {
      this.#busy = false;
      void this.#host.update();
    }
  }

  async #confirm(request: EraseRequest): Promise<void> {
    const { client, text } = this.#host.state();
    this.#dialog()?.close();
    if (!client || this.#busy) return;
    this.#busy = true;
    this.#erasedHere = request.conversationId;
    this.announce(text.erasing(request.name));
    try {
      const ack = await client.eraseVisitor(request.conversationId, request.mode);
      if (ack?.ok) this.announce(text.erased(ack.removed));
      else this.announce(text.eraseFailed(reasonOf(ack?.error, text)), true);
    } finally {
      this.#busy = false;
      void this.#host.update();
    }
  }
}

function reasonOf(error: ChatErrorPayload | undefined, text: InboxStrings): string {
  return error?.message ?? text.noAnswer;
}

/** Saves `json` as a file the browser downloads, without a round trip to the server. */
function download(fileName: string, json: string): void {
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // Revoked later, not at once: a browser may still be reading the blob when click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The privacy actions' and the erase dialog's styles, which the inbox adds to its own. */
export const privacyStyles = css`
  .privacy-actions {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    padding: 6px 0 6px 14px;
  }
  .privacy-actions .action {
    padding: 4px 10px;
    font-size: 13px;
  }
  .action.danger {
    border-color: var(--_error);
    color: var(--_error);
  }
  .action[aria-disabled='true'] {
    opacity: 0.6;
    cursor: default;
  }

  .erase-dialog {
    max-width: min(30rem, calc(100vw - 32px));
    padding: 20px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_foreground);
    box-shadow: var(--_shadow);
  }
  .erase-dialog::backdrop {
    background: rgb(0 0 0 / 0.45);
  }
  .erase-dialog h2 {
    margin: 0 0 8px;
    font-size: 18px;
  }
  .erase-dialog p {
    margin: 0 0 14px;
  }
  .erase-dialog fieldset {
    display: grid;
    gap: 8px;
    margin: 0 0 18px;
    padding: 8px 12px 12px;
    border: 1px solid var(--_border);
    border-radius: 8px;
  }
  .erase-dialog legend {
    padding: 0 4px;
    font-weight: 600;
  }
  .erase-dialog label {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .erase-dialog input {
    width: 18px;
    height: 18px;
    margin: 0;
    accent-color: var(--_accent);
  }
  .dialog-actions {
    display: flex;
    justify-content: flex-end;
    gap: 8px;
  }
  .dialog-actions .danger {
    background: var(--_error);
    color: var(--_background);
    font-weight: 600;
  }
`;
