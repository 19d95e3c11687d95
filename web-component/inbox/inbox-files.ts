import { html, nothing, type TemplateResult } from 'lit';
import type { Ack, ChatMessage } from '../../src/protocol.js';
import { FileUploads } from '../clients/file-upload.js';
import type { OperatorClient } from '../clients/operator-client.js';
import type { OutgoingFile, OutgoingMessage } from '../clients/outbox.js';
import { Attachments } from '../shared/attachments.js';
import { FileViewer, renderThreadFiles, renewOnce, type Lit, type ThreadFilesHost } from '../shared/file-view.js';
import type { InboxStrings } from './strings.js';
import type { ThreadPaneHost } from './thread-pane.js';

/** What the inbox's files need of the `<chat-inbox>` element. */
export interface InboxFilesHost {
  /** The element as it is now; `server` and `basePath` without trailing slashes. */
  state(): { client: OperatorClient | undefined; server: string; basePath: string; lang: string; text: InboxStrings };
  /** Renders the element again; resolves once that is on screen. */
  update(): Promise<void>;
  /** Where the element renders. */
  root(): ParentNode;
  /** Puts a reply taken back into the reply box, unless the operator started another there. */
  putBack(text: string): void;
}

/**
 * Files in the inbox: the reply's (or the note's) attachments, their uploads with the operator's
 * session cookie, the files in the thread, and the image viewer. The same pieces as the widget's
 * (see shared/attachments.ts and shared/file-view.ts), rendering with the inbox's Lit.
 */
export class InboxFiles {
  readonly #host: InboxFilesHost;
  readonly #attachments: Attachments;
  readonly #uploads: FileUploads;
  readonly #viewer: FileViewer;

  constructor(host: InboxFilesHost) {
    this.#host = host;
    this.#attachments = new Attachments({
      limits: () => host.state().client?.fileLimits,
      text: () => host.state().text,
      lang: () => host.state().lang,
      changed: () => void host.update(),
    });
    this.#uploads = new FileUploads({
      url: () => `${host.state().server}${host.state().basePath}/files`,
      // Operators upload with the host's session cookie, as their socket connects.
      auth: () => ({ credentials: true }),
      blob: (key) => this.#attachments.blobs.get(key),
      changed: () => void host.update(),
    });
    this.#viewer = new FileViewer(
      () => host.update(),
      () => host.root().querySelector<HTMLDialogElement>('dialog.viewer'),
    );
  }

  /** Files are attached to the reply being written. */
  get attached(): boolean {
    return this.#attachments.items.length > 0;
  }

  /** Hands the attached files to the reply being sent. */
  take(): OutgoingFile[] | undefined {
    return this.#attachments.take();
  }

  /** Another conversation opened: nothing is attached any more. */
  clear(): void {
    this.#attachments.items = [];
    this.#attachments.notice = '';
  }

  /** Uploads the files of a reply on its way; a refusal is said in the composer's live region too. */
  async upload(entry: OutgoingMessage): Promise<Ack> {
    const ack = await this.#uploads.upload(entry);
    if (!ack.ok && this.#host.state().client?.pending.includes(entry)) this.#attachments.notice = ack.error.message;
    return ack;
  }

  /** Lets go of the files of replies no longer on their way (stored, or another conversation opened). */
  forgetSent(): void {
    const pending = this.#host.state().client?.pending ?? [];
    this.#attachments.forgetAllBut(new Set(pending.flatMap((entry) => entry.files?.map((file) => file.key) ?? [])));
  }

  /** The thread pane's pieces of files. */
  pane(draft: string): ThreadPaneHost['files'] {
    const lit: Lit = { html, nothing };
    return {
      canSend: draft.trim() !== '' || this.attached,
      taken: Boolean(this.#host.state().client?.fileLimits),
      composer: () => this.#attachments.renderComposer(lit),
      thread: (message) => (message.files?.length ? renderThreadFiles(lit, message.files, this.#threadHost(message)) : nothing),
      outgoing: (entry) =>
        this.#attachments.renderOutgoing(lit, entry, this.#uploads, {
          cancel: (taken) => this.#takeBack(taken),
          chooseAgain: (taken) => this.#takeBack(taken),
        }),
      onPaste: (event) => this.#attachments.onPaste(event),
      onDrag: (event) => this.#attachments.onDrag(event),
    };
  }

  /** The image viewer, when an image is open. */
  renderViewer(): ReturnType<FileViewer['render']> {
    return this.#viewer.render({ html, nothing }, this.#threadHost(undefined));
  }

  /** What the files of `message` (none: the one open in the viewer) need: the server's origin, and where to renew their URLs. */
  #threadHost(message: ChatMessage | undefined): ThreadFilesHost {
    const host = this.#host;
    const { client, server, lang, text } = host.state();
    const known = () => [...(client?.open?.messages.messages ?? []), ...(client?.open?.notes.messages ?? [])];
    return {
      server,
      lang,
      text,
      view: (file, trigger) => void this.#viewer.open(file, trigger),
      expired: (image) => {
        const target = message ?? known().find((candidate) => candidate.files?.some((file) => file.id === this.#viewer.file?.id));
        if (!target) return;
        renewOnce(target.id, image, async () => {
          await client?.renewFiles(target);
          this.#viewer.renewed(known().find((candidate) => candidate.id === target.id)?.files);
          await host.update();
        });
      },
    };
  }

  /** A reply taken back from the outbox (its upload cancelled): its text and files go back in the composer. */
  #takeBack(entry: OutgoingMessage): void {
    this.#uploads.cancel(entry.clientId);
    this.#host.state().client?.unsend(entry.clientId);
    this.#attachments.restore(entry);
    this.#host.putBack(entry.message);
  }
}
