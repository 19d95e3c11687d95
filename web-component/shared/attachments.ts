import type { TemplateResult } from 'lit/html.js';
import type { FileLimits } from '../../src/protocol.js';
import { checkFiles, type FileUploads } from '../clients/file-upload.js';
import { newClientId, type OutgoingFile, type OutgoingMessage } from '../clients/outbox.js';
import type { FileStrings } from './file-strings.js';
import { fileSize, isImage, type Lit } from './file-view.js';

// The files of the message being written, the same in the widget and the inbox: chosen with the
// paperclip, pasted (a screenshot) or dropped on the window; checked against the chat's limits,
// shown as thumbnails or chips with a remove button, then handed to the outbox with the message.
// And, in the outbox, each message's files as they upload, with a progress bar and Cancel.

const CLIP_ICON = `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l9-9a3.7 3.7 0 0 1 5.2 5.2l-9 9a1.8 1.8 0 0 1-2.6-2.6l8.3-8.3"/></svg>`;

/** A file on the message being written; `preview` is a small picture of an image, as a data: URL. */
export interface Attached {
  key: string;
  file: File;
  preview?: string;
}

export interface AttachmentsHost {
  /** What the chat takes; no paperclip, paste or drop without it. */
  limits(): FileLimits | undefined;
  text(): FileStrings;
  lang(): string;
  /** Shows a change. */
  changed(): void;
}

/** The side of a preview, in CSS pixels (doubled for sharp screens). */
const PREVIEW_PX = 56;

/**
 * The files of the message being written, and the files of unsent messages by their key (which
 * the uploads read), until the message is stored or taken back.
 */
export class Attachments {
  items: Attached[] = [];
  /** Why the last files offered were not all taken, for the live region. */
  notice = '';
  /** Files are being dragged over the window. */
  dragging = false;
  /** The files of messages on their way, by key. */
  readonly blobs = new Map<string, File>();
  readonly #host: AttachmentsHost;

  constructor(host: AttachmentsHost) {
    this.#host = host;
  }

  /** Attaches what passes the chat's limits, and says why the rest did not. */
  add(files: readonly File[]): void {
    const limits = this.#host.limits();
    if (!limits || files.length === 0) return;
    const text = this.#host.text();
    const { accepted, problems } = checkFiles(files, limits, this.items.length);
    const tooMany = problems.some((problem) => problem.problem === 'too-many');
    this.notice = [
      ...problems.flatMap((problem) =>
        problem.problem === 'type'
          ? [text.fileTypeRefused(problem.name)]
          : problem.problem === 'too-large'
            ? [text.fileTooLarge(problem.name, fileSize(limits.maxBytes, this.#host.lang()))]
            : [],
      ),
      ...(tooMany ? [text.tooManyFiles(limits.maxPerMessage)] : []),
    ].join(' ');
    for (const file of accepted) {
      const item: Attached = { key: newClientId(), file };
      this.items.push(item);
      if (isImage(file.type)) {
        void previewOf(file).then((preview) => {
          if (!preview) return;
          item.preview = preview;
          this.#host.changed();
        });
      }
    }
    this.#host.changed();
  }

  remove(key: string): void {
    this.items = this.items.filter((item) => item.key !== key);
    this.notice = '';
    this.#host.changed();
  }

  /** Hands the attached files to a message: their files are kept here, by key, until it is stored. */
  take(): OutgoingFile[] | undefined {
    if (this.items.length === 0) return undefined;
    const files = this.items.map(({ key, file }) => {
      this.blobs.set(key, file);
      return { key, name: file.name || 'file', type: file.type, size: file.size };
    });
    this.items = [];
    this.notice = '';
    this.#host.changed();
    return files;
  }

  /** Puts the files of a message taken back (its upload cancelled) on the message being written again. */
  restore(entry: OutgoingMessage): void {
    for (const file of entry.files ?? []) {
      const blob = this.blobs.get(file.key);
      if (blob) this.add([blob]);
    }
  }

  /** Forgets the files of messages no longer in the outbox. */
  forgetAllBut(keys: ReadonlySet<string>): void {
    for (const key of this.blobs.keys()) if (!keys.has(key)) this.blobs.delete(key);
  }

  /** A pasted screenshot (or copied files) joins the message; pasted text is left alone. */
  onPaste(event: ClipboardEvent): void {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length || !this.#host.limits()) return;
    event.preventDefault();
    this.add(files);
  }

  /** Files dragged over the window: it takes them (and says so) wherever they are dropped. */
  onDrag(event: DragEvent): void {
    if (!this.#host.limits() || !event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    const over = event.type !== 'drop' && !(event.type === 'dragleave' && !(event.currentTarget as Node).contains(event.relatedTarget as Node | null));
    if (event.type === 'drop') this.add([...event.dataTransfer.files]);
    if (over !== this.dragging) {
      this.dragging = over;
      this.#host.changed();
    }
  }

  /**
   * The paperclip (a button: the file input itself stays hidden), the attached files with their
   * remove buttons, and the live region that says why a file was not taken.
   */
  renderComposer({ html, nothing }: Lit): TemplateResult | typeof nothing {
    const limits = this.#host.limits();
    if (!limits) return nothing;
    const text = this.#host.text();
    const lang = this.#host.lang();
    return html`<input
        class="file-input"
        type="file"
        multiple
        hidden
        accept=${limits.types.join(',')}
        @change=${(event: Event) => {
          const input = event.target as HTMLInputElement;
          this.add([...(input.files ?? [])]);
          input.value = '';
        }}
      />
      <button
        part="attach-button"
        type="button"
        class="attach"
        aria-label=${text.attach}
        title=${text.attach}
        @click=${(event: Event) => ((event.currentTarget as HTMLElement).previousElementSibling as HTMLInputElement).click()}
        .innerHTML=${CLIP_ICON}
      ></button>
      ${this.items.length
        ? html`<ul part="attachments" class="attachments" aria-label=${text.attachments}>
            ${this.items.map(
              (item) => html`<li class="attachment">
                ${item.preview ? html`<img src=${item.preview} alt="" width=${PREVIEW_PX} height=${PREVIEW_PX} />` : nothing}
                <span class="file-name">${item.file.name}</span>
                <span class="file-size">${fileSize(item.file.size, lang)}</span>
                <button type="button" class="remove" aria-label=${text.removeFile(item.file.name)} @click=${() => this.remove(item.key)}>×</button>
              </li>`,
            )}
          </ul>`
        : nothing}
      <p class="file-notice" role="alert">${this.notice}</p>
      ${this.dragging ? html`<p class="drop-zone" aria-hidden="true">${text.dropFiles}</p>` : nothing}`;
  }

  /**
   * The files of an unsent message: each as a chip, a progress bar while they upload (with
   * Cancel), and for a file lost in a reload, "Choose again".
   */
  renderOutgoing(
    { html, nothing }: Lit,
    entry: OutgoingMessage,
    uploads: FileUploads | undefined,
    actions: { cancel(entry: OutgoingMessage): void; chooseAgain(entry: OutgoingMessage): void },
  ): TemplateResult | typeof nothing {
    const files = entry.files;
    if (!files?.length) return nothing;
    const text = this.#host.text();
    const lang = this.#host.lang();
    const progress = uploads?.progress(entry.clientId);
    const lost = files.filter((file) => file.lost);
    const percent = Math.round((progress ?? 0) * 100);
    return html`<div part="files" class="files">
        ${files.map(
          (file) => html`<span class="file-chip${file.lost ? ' lost' : ''}"
            ><span class="file-name">${file.name}</span> <span class="file-size">${fileSize(file.size, lang)}</span></span
          >`,
        )}
      </div>
      ${progress !== undefined
        ? html`<div class="upload">
            <div
              part="progress"
              class="progress"
              role="progressbar"
              aria-label=${text.uploading(files.map((file) => file.name).join(', '))}
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${percent}
            >
              <span .style=${`width:${percent}%`}></span>
            </div>
            <button type="button" class="link cancel" @click=${() => actions.cancel(entry)}>${text.cancelUpload}</button>
          </div>`
        : nothing}
      ${lost.length && entry.status === 'failed'
        ? html`<p class="file-lost">${lost.map((file) => text.fileLost(file.name)).join(' ')}</p>
            <button type="button" class="link" @click=${() => actions.chooseAgain(entry)}>${text.chooseAgain}</button>`
        : nothing}`;
  }
}

/**
 * A small picture of an image, as a data: URL: decoded without a blob: URL (which a page's
 * Content Security Policy often forbids in `img-src`, where `data:` is usually allowed). None for
 * an image the browser cannot decode.
 */
async function previewOf(file: File): Promise<string | undefined> {
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, (PREVIEW_PX * 2) / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.toDataURL('image/png');
  } catch {
    return undefined;
  }
}

/** The styles of the composer's files and of unsent messages' files, in the widget and the inbox alike. */
export const attachmentsCss = `
.composer{flex-wrap:wrap;position:relative}
.attach{display:inline-grid;place-items:center;flex:none;width:44px;height:44px;padding:0;border:1px solid var(--_border);border-radius:8px;background:var(--_background);color:var(--_foreground);cursor:pointer}
.attach svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.attachments{display:flex;flex-wrap:wrap;gap:6px;order:-2;flex:1 0 100%;margin:0;padding:0;list-style:none}
.attachment{display:flex;align-items:center;gap:6px;max-width:100%;padding:2px 2px 2px 8px;border:1px solid var(--_border);border-radius:8px;font-size:13px}
.attachment img{width:${PREVIEW_PX}px;height:${PREVIEW_PX}px;margin-left:-6px;border-radius:6px;object-fit:cover}
.attachment .remove{flex:none;width:44px;height:44px;border:none;background:none;color:var(--_foreground);font-size:20px;line-height:1;cursor:pointer}
.file-notice{order:-1;flex:1 0 100%;margin:0;color:var(--_error);font-size:13px}
.file-notice:empty{display:none}
.drop-zone{position:absolute;inset:4px;display:grid;place-items:center;margin:0;border:2px dashed var(--_accent);border-radius:10px;background:var(--_background);color:var(--_foreground);font-weight:600;pointer-events:none}
.upload{display:flex;align-items:center;gap:8px;margin-top:4px}
.progress{flex:1;height:6px;border-radius:3px;background:var(--_border);overflow:hidden}
.progress span{display:block;height:100%;background:currentColor;transition:width .2s}
.upload .cancel{min-height:44px;color:inherit}
.file-chip.lost{border-style:dashed}
.file-lost{margin:4px 0 0;font-size:13px}
@media (prefers-reduced-motion:reduce){.progress span{transition:none}}
`;
