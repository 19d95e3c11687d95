import type { html, nothing, TemplateResult } from 'lit/html.js';
import type { UserDetailsAck, UserDetailsPayload, VisitorDetails } from '../../src/protocol.js';
import { resolveStringTable } from '../shared/strings.js';
import { DETAILS_STRINGS, type DetailsStrings } from './details-strings.js';
import type { ChatStrings } from './strings.js';

// The visitor's details form, a file of its own (`chat-details.js`) that the chat window loads
// when the form is first needed: most visitors never open it. It renders with the window's own
// lit-html, handed over, rather than a second copy.

/** The window's lit-html, which the form renders with. */
export interface Lit {
  html: typeof html;
  nothing: typeof nothing;
}

type FieldName = 'name' | 'email' | 'phone';

/** What the details form needs of the chat window it is part of. */
export interface DetailsFormHost {
  /** Renders the window again; resolves once that is on screen. */
  rerender(): Promise<void>;
  /** Moves focus to an element of the window, by selector. */
  focus(selector: string): void;
  save(details: UserDetailsPayload): Promise<UserDetailsAck>;
  /** How long "Details saved." stays before it goes. */
  savedNoticeMs: number;
}

/**
 * The form's styles, added to the widget's shadow root when the form first loads. The details
 * form takes what the window can spare: the log keeps room for the last message and the composer
 * stays; only when even that is not enough (errors, a short window) does the form scroll. Name and
 * email side by side; the rest across. An invalid field keeps its red edge when focused (the focus
 * ring goes around it, apart).
 */
const CSS = `
.details{display:grid;flex:0 1 auto;grid-template-columns:1fr 1fr;gap:4px 10px;min-height:0;overflow-y:auto;padding:8px 16px 10px;border-top:1px solid var(--_border)}
.details-open .log{flex:1 1 0;min-height:72px}
.details-open .typing{display:none}
.details>:not(.field),.field.wide{grid-column:1/-1}
.details h3{margin:0;font-size:15px}
.field{display:grid;align-content:start;gap:2px;min-width:0}
.field label{font-size:13px;font-weight:600}
.hint{margin:0;color:var(--_muted);font-size:12px}
input[aria-invalid='true']{border-color:var(--_error);box-shadow:inset 0 0 0 1px var(--_error)}
`;

/** The form for the chat window `host` rendering into `container`, with its lit-html. */
export function createDetailsForm(lit: Lit, host: DetailsFormHost, container: HTMLElement): DetailsForm {
  const root = container.getRootNode() as ShadowRoot;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  return new DetailsForm(lit, host);
}

/**
 * The visitor's details form in the chat window: name, email and phone, with the server's
 * per-field errors, opened by the visitor (or shown before the first message when required).
 */
export class DetailsForm {
  /** Opened by the visitor. */
  opened = false;
  readonly #lit: Lit;
  readonly #host: DetailsFormHost;
  #fieldErrors: Partial<Record<FieldName, string>> = {};
  #notice = '';
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(lit: Lit, host: DetailsFormHost) {
    this.#lit = lit;
    this.#host = host;
  }

  async open(): Promise<void> {
    this.opened = true;
    this.#setNotice('');
    await this.#host.rerender();
    this.#host.focus('#details-name');
  }

  async close(): Promise<void> {
    this.opened = false;
    this.#fieldErrors = {};
    await this.#host.rerender();
    this.#host.focus('#message-input');
  }

  /**
   * The form when it is open (or `required`, before the first message), else the line saying the
   * details were saved, if they just were; `disabled` while the chat's terms wait for consent. Its
   * strings are the language's and the page's (`strings`, the page's over the language's), over
   * English; `cancel` is the window's.
   */
  render(required: boolean, user: VisitorDetails | undefined, windowText: ChatStrings, strings: Partial<ChatStrings>, disabled = false): TemplateResult | symbol {
    const { html, nothing } = this.#lit;
    const text = resolveStringTable('', { en: DETAILS_STRINGS }, 'en', strings as Partial<DetailsStrings>);
    if (!required && !this.opened) {
      return this.#notice ? html`<p class="notice" role="status">${this.#notice}</p>` : nothing;
    }
    const field = (name: FieldName, label: string, type: string, autocomplete: string, value = '', hint = '') => {
      const error = this.#fieldErrors[name];
      const describedBy = [hint ? `details-${name}-hint` : '', error ? `details-${name}-error` : ''].filter(Boolean).join(' ');
      return html`<div class=${name === 'phone' ? 'field wide' : 'field'}>
        <label for="details-${name}">${label}</label>
        <input
          id="details-${name}"
          name=${name}
          type=${type}
          autocomplete=${autocomplete}
          .value=${value}
          ?disabled=${disabled}
          ?required=${name !== 'phone'}
          aria-invalid=${error ? 'true' : 'false'}
          aria-describedby=${describedBy || nothing}
        />
        ${hint ? html`<span class="hint" id="details-${name}-hint">${hint}</span>` : nothing}
        ${error ? html`<span class="error" id="details-${name}-error">${error}</span>` : nothing}
      </div>`;
    };
    return html`<form part="form" class="details" novalidate @submit=${(event: SubmitEvent) => this.#submit(event, text)} aria-labelledby="details-title">
      <h3 id="details-title">${text.detailsTitle}</h3>
      <p class="hint">${required ? text.detailsRequired : text.detailsIntro}</p>
      ${field('name', text.name, 'text', 'name', user?.name)}
      ${field('email', text.email, 'email', 'email', user?.email)}
      ${field('phone', text.phone, 'tel', 'tel', user?.phone, text.phoneHint)}
      ${this.#notice ? html`<p class="error" role="alert">${this.#notice}</p>` : nothing}
      <div class="actions">
        <button type="submit" class="primary" ?disabled=${disabled}>${text.saveDetails}</button>
        ${required ? nothing : html`<button type="button" class="link" @click=${() => this.close()}>${windowText.cancel}</button>`}
      </div>
    </form>`;
  }

  /** The window is going: no timer outlives it. */
  stop(): void {
    clearTimeout(this.#noticeTimer);
  }

  /** Shows a notice, for `forMs` or until the next one. */
  #setNotice(notice: string, forMs?: number): void {
    clearTimeout(this.#noticeTimer);
    this.#notice = notice;
    if (forMs !== undefined) {
      this.#noticeTimer = setTimeout(() => {
        this.#notice = '';
        void this.#host.rerender();
      }, forMs);
    }
  }

  async #submit(event: SubmitEvent, text: DetailsStrings): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const ack = await this.#host.save({
      name: String(data.get('name') ?? ''),
      email: String(data.get('email') ?? ''),
      phone: String(data.get('phone') ?? ''),
    });
    if (ack.ok) {
      this.#fieldErrors = {};
      this.opened = false;
      this.#setNotice(text.detailsSaved, this.#host.savedNoticeMs);
      await this.#host.rerender();
      this.#host.focus('#message-input');
      return;
    }
    this.#fieldErrors = (ack.error.fields ?? {}) as Partial<Record<FieldName, string>>;
    this.#setNotice(ack.error.fields ? '' : ack.error.message);
    await this.#host.rerender();
    const firstInvalid = (['name', 'email', 'phone'] as const).find((field) => this.#fieldErrors[field]);
    if (firstInvalid) this.#host.focus(`#details-${firstInvalid}`);
  }
}
