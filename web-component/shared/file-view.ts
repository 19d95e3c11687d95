import type { html, nothing, TemplateResult } from 'lit/html.js';
import type { ChatFile } from '../../src/protocol.js';
import type { FileStrings } from './file-strings.js';
import { safeLocale } from './locale.js';

// Files in a thread, the same in the widget and the inbox: images as thumbnails that open a
// viewer, other files as chips with their name and size that download. Rendered with the view's
// own lit-html, handed over (the widget's file view is a file of its own).

/** The lit-html of the view that renders. */
export interface Lit {
  html: typeof html;
  nothing: typeof nothing;
}

/** The images the chat serves inline and shows; any other file downloads. */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export const isImage = (type: string): boolean => IMAGE_TYPES.includes(type);

/** A file's size as the page's language writes it: "15 bytes", "820 kB", "2.4 MB". */
export function fileSize(bytes: number, lang: string): string {
  const [unit, divisor] = bytes < 1000 ? (['byte', 1] as const) : bytes < 1e6 ? (['kilobyte', 1e3] as const) : (['megabyte', 1e6] as const);
  // Bytes in full: the short form is "15 byte" in English.
  const unitDisplay = unit === 'byte' ? 'long' : 'short';
  return new Intl.NumberFormat(safeLocale(lang), { style: 'unit', unit, unitDisplay, maximumFractionDigits: bytes < 1e7 && unit !== 'byte' ? 1 : 0 }).format(
    bytes / divisor,
  );
}

/** What the files of a message need of the view that shows them. */
export interface ThreadFilesHost {
  /** The chat server's origin, before the files' paths; empty for the page's own. */
  readonly server: string;
  readonly lang: string;
  readonly text: FileStrings;
  /** Opens an image in the viewer; focus goes back to `trigger` when it closes. */
  view(file: ChatFile, trigger: HTMLElement): void;
  /** An image did not load: its signed URL has probably expired. */
  expired(image: HTMLImageElement): void;
}

/** The files of a message: thumbnails that open the viewer, then chips that download. */
export function renderThreadFiles({ html }: Lit, files: readonly ChatFile[], host: ThreadFilesHost): TemplateResult {
  const images = files.filter((file) => isImage(file.type));
  const others = files.filter((file) => !isImage(file.type));
  return html`<div part="files" class="files">
    ${images.map(
      (file) => html`<button
        type="button"
        class="file-thumb"
        aria-label=${host.text.viewImage(file.name)}
        @click=${(event: Event) => host.view(file, event.currentTarget as HTMLElement)}
      >
        <img
          src=${host.server + (file.thumbnailUrl ?? file.url)}
          alt=${file.name}
          width=${thumbnailSize(file)[0]}
          height=${thumbnailSize(file)[1]}
          loading="lazy"
          referrerpolicy="no-referrer"
          @error=${(event: Event) => host.expired(event.target as HTMLImageElement)}
        />
      </button>`,
    )}
    ${others.map((file) => renderChip(html, host.server + file.url, file, host))}
  </div>`;
}

/** The largest box a thumbnail fills, in CSS pixels. */
const THUMBNAIL_BOX = [220, 160] as const;

/**
 * A thumbnail's size on screen, from the image's own when the server knows it: given before the
 * image loads, so the thread does not jump (and the log stays at its newest message) when it does.
 */
function thumbnailSize({ width, height }: Pick<ChatFile, 'width' | 'height'>): [number, number] {
  if (!width || !height) return [THUMBNAIL_BOX[0], THUMBNAIL_BOX[1]];
  const scale = Math.min(1, THUMBNAIL_BOX[0] / width, THUMBNAIL_BOX[1] / height);
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

/** A file that is not shown: its name and size, a link that downloads it. */
function renderChip(h: Lit['html'], url: string, file: Pick<ChatFile, 'name' | 'size'>, host: Pick<ThreadFilesHost, 'lang' | 'text'>): TemplateResult {
  return h`<a class="file-chip" href=${url} download=${file.name} rel="noopener noreferrer" referrerpolicy="no-referrer"
    ><span class="visually-hidden">${host.text.download}: </span><span class="file-name">${file.name}</span>
    <span class="file-size">${fileSize(file.size, host.lang)}</span></a
  >`;
}

/** Renews each message's files at most once a minute, so a file the server no longer serves is not asked for again and again. */
const renewedAt = new Map<string, number>();
const RENEW_AGAIN_MS = 60_000;

/**
 * After an image of the message `id` failed to load, asks for its files' URLs again (`renew`,
 * which resolves once the view shows them), unless it did in the last minute; then loads the
 * image again if its URL came back the same (the failure was not its expiry).
 */
export function renewOnce(id: string, image: HTMLImageElement, renew: () => Promise<void>): void {
  const now = Date.now();
  if (now - (renewedAt.get(id) ?? 0) < RENEW_AGAIN_MS) return;
  renewedAt.set(id, now);
  if (renewedAt.size > 500) renewedAt.delete(renewedAt.keys().next().value!);
  const before = image.getAttribute('src');
  void renew().then(() => {
    if (image.isConnected && image.getAttribute('src') === before) image.src = before ?? '';
  });
}

/**
 * The image viewer: a modal `<dialog>` over the page (the browser keeps focus in it), the image
 * at full size with its name as alt text, a download link and Close; Escape or Close closes it,
 * and focus returns to the thumbnail that opened it.
 */
export class FileViewer {
  file: ChatFile | undefined;
  #trigger: HTMLElement | undefined;
  readonly #rerender: () => Promise<void>;
  readonly #dialog: () => HTMLDialogElement | null | undefined;

  /** `rerender` renders the view and resolves once it is on screen; `dialog` finds the viewer in it. */
  constructor(rerender: () => Promise<void>, dialog: () => HTMLDialogElement | null | undefined) {
    this.#rerender = rerender;
    this.#dialog = dialog;
  }

  async open(file: ChatFile, trigger: HTMLElement): Promise<void> {
    this.file = file;
    this.#trigger = trigger;
    await this.#rerender();
    const dialog = this.#dialog();
    if (dialog && !dialog.open) dialog.showModal();
    dialog?.querySelector<HTMLElement>('.viewer-close')?.focus();
  }

  /** A newer copy of the open file (its URLs signed again). */
  renewed(files: readonly ChatFile[] | undefined): void {
    const fresh = files?.find((file) => file.id === this.file?.id);
    if (fresh) this.file = fresh;
  }

  close(): void {
    this.#dialog()?.close();
  }

  #closed(): void {
    this.file = undefined;
    void this.#rerender();
    if (this.#trigger?.isConnected) this.#trigger.focus();
    this.#trigger = undefined;
  }

  /**
   * Escape closes the viewer only, not the chat window or the conversation under it; Tab goes
   * round the viewer's own controls (a modal dialog would otherwise let it out to the browser).
   */
  #onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') event.stopPropagation();
    if (event.key !== 'Tab') return;
    const controls = [...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('a[href], button')];
    const active = (event.currentTarget as HTMLElement).getRootNode() as ShadowRoot;
    const at = controls.indexOf(active.activeElement as HTMLElement);
    const next = event.shiftKey ? (at <= 0 ? controls.length - 1 : at - 1) : at === controls.length - 1 ? 0 : at + 1;
    event.preventDefault();
    controls[next]?.focus();
  }

  render({ html, nothing }: Lit, host: Omit<ThreadFilesHost, 'view'>): TemplateResult | typeof nothing {
    const file = this.file;
    if (!file) return nothing;
    const url = host.server + file.url;
    return html`<dialog
      part="viewer"
      class="viewer"
      aria-label=${file.name}
      @close=${() => this.#closed()}
      @keydown=${(event: KeyboardEvent) => this.#onKeydown(event)}
      @click=${(event: Event) => {
        if (event.target === event.currentTarget) this.close();
      }}
    >
      <img src=${url} alt=${file.name} referrerpolicy="no-referrer" @error=${(event: Event) => host.expired(event.target as HTMLImageElement)} />
      <div class="viewer-bar">
        <span class="file-name">${file.name}</span>
        <a class="viewer-action" href=${url} download=${file.name} rel="noopener noreferrer">${host.text.download}</a>
        <button type="button" class="viewer-action viewer-close" @click=${() => this.close()}>${host.text.closeViewer}</button>
      </div>
    </dialog>`;
  }
}

/** The files' styles, in the widget and the inbox alike: plain text for either to add. */
export const filesCss = `
.files{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 2px}
.file-thumb{display:block;min-width:44px;min-height:44px;max-width:100%;padding:0;border:1px solid var(--_border);border-radius:8px;background:var(--_background);overflow:hidden;cursor:zoom-in}
.file-thumb img{display:block;max-width:100%;height:auto;object-fit:cover}
.file-chip{display:inline-flex;align-items:center;gap:8px;min-height:44px;max-width:100%;padding:6px 10px;border:1px solid var(--_border);border-radius:8px;background:var(--_background);color:var(--_foreground);text-decoration:none}
.file-chip:hover{text-decoration:underline}
.file-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;min-width:0}
.file-size{flex:none;color:var(--_muted);font-size:12px}
.viewer{max-width:min(96vw,1200px);max-height:96vh;padding:0;border:none;border-radius:10px;background:var(--_background);color:var(--_foreground);font:inherit}
.viewer::backdrop{background:rgb(0 0 0 / .75)}
.viewer img{display:block;max-width:100%;max-height:calc(96vh - 60px);margin:auto;object-fit:contain}
.viewer-bar{display:flex;align-items:center;gap:10px;padding:8px 10px}
.viewer-bar .file-name{flex:1}
.viewer-action{display:inline-flex;align-items:center;min-height:44px;min-width:44px;padding:0 14px;border:1px solid var(--_border);border-radius:8px;background:var(--_background);color:var(--_foreground);font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
`;
