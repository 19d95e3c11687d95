import type { html, nothing, render, TemplateResult } from 'lit/html.js';
import type { Ack, ChatMessage } from '../../src/protocol.js';
import type { ChatClient } from '../clients/chat-client.js';
import { FileUploads } from '../clients/file-upload.js';
import { openKeptFiles, type KeptFiles } from '../clients/kept-files.js';
import type { OutgoingFile, OutgoingMessage } from '../clients/outbox.js';
import { connectionOf, storageKeys } from '../clients/storage-keys.js';
import { Attachments, attachmentsCss } from '../shared/attachments.js';
import { FILE_STRINGS, type FileStrings } from '../shared/file-strings.js';
import { FileViewer, filesCss, renderThreadFiles, renewOnce, type ThreadFilesHost } from '../shared/file-view.js';
import type { PanelSettings } from './settings.js';

// Files in the chat window, a file of its own (`chat-files.js`) that the window loads when the
// chat takes files, or a message has some: a site without files never downloads it. The
// paperclip, paste and drop, the previews, the uploads with their progress, the files in the
// thread and the image viewer; the files of unsent messages kept in IndexedDB across a reload.
// It renders with the window's own lit-html, handed over.

/** The window's lit-html. */
export interface Lit {
  html: typeof html;
  nothing: typeof nothing;
  render: typeof render;
}

/** What the file view reads of the window, as it is now: its connection and its settings. */
export interface FilesHost {
  /** None once the window let its connection go (a second widget took the chat over). */
  readonly client: ChatClient | undefined;
  readonly settings: PanelSettings;
}

/** The window's pieces of files. */
export interface FilesView {
  /** Files are attached to the message being written. */
  readonly attached: boolean;
  /** In the composer: the paperclip, the attached files, what was refused. */
  composer(): TemplateResult | symbol;
  /** Under a message's text: its files. */
  thread(message: ChatMessage): TemplateResult | symbol;
  /** Under an unsent message's text: its files, their upload and Cancel. */
  outgoing(entry: OutgoingMessage): TemplateResult | symbol;
  /** Hands the attached files to the message being sent. */
  take(): OutgoingFile[] | undefined;
  /** Uploads the files of an outbox entry (see ChatClient.uploadFiles). */
  upload(entry: OutgoingMessage): Promise<Ack>;
}

/**
 * The file view of the window rendering into `container`: `host` says what the window is now,
 * `rerender` renders it again and resolves once that is on screen.
 */
export function createFilesView(lit: Lit, container: HTMLElement, host: () => FilesHost, rerender: () => Promise<void>): FilesView {
  const root = container.getRootNode() as ShadowRoot;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(filesCss + attachmentsCss);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];

  const text = (): FileStrings => {
    const { strings, pack } = host().settings;
    const merged = { ...FILE_STRINGS } as Record<string, unknown>;
    for (const [key, value] of Object.entries({ ...pack, ...strings })) if (key in merged && typeof value === typeof merged[key]) merged[key] = value;
    return merged as unknown as FileStrings;
  };
  const connection = () => connectionOf(host().settings);
  const lang = () => host().settings.lang;

  // The viewer renders into an element of its own beside the window: it is a modal dialog.
  const viewerRoot = document.createElement('div');
  container.append(viewerRoot);
  const renderViewer = () => lit.render(viewer.render(lit, threadHost(undefined)), viewerRoot);
  const viewer = new FileViewer(
    async () => {
      renderViewer();
      await rerender();
    },
    () => viewerRoot.querySelector('dialog'),
  );

  const attachments = new Attachments({
    limits: () => host().client?.fileLimits,
    text,
    lang,
    changed: () => void rerender(),
  });

  // Files of unsent messages, in IndexedDB under the outbox's key (none where the browser keeps none).
  let keptKey = '';
  let kept: Promise<KeptFiles | undefined> = Promise.resolve(undefined);
  const keptFiles = () => {
    const key = storageKeys(connection()).outbox;
    if (key !== keptKey) {
      keptKey = key;
      kept = openKeptFiles(key);
    }
    return kept;
  };
  /**
   * The files of the outbox when last looked at. The first look forgets kept files no message
   * needs (their messages were sent, or taken back, on an earlier page); after that, only those of
   * messages that left this page's outbox, so the files another tab of the same chat just kept stay.
   */
  let known: Set<string> | undefined;
  const sweep = () => {
    const client = host().client;
    if (!client) return;
    const keys = new Set(client.outbox.flatMap((entry) => entry.files?.map((file) => file.key) ?? []));
    const gone = known ? [...known].filter((key) => !keys.has(key)) : undefined;
    if (!known) void keptFiles().then((files) => files?.sweep(keys));
    else if (gone?.length) void keptFiles().then((files) => files?.forget(gone));
    if (!known || gone?.length || keys.size !== known.size) attachments.forgetAllBut(keys);
    known = keys;
  };

  const uploads = new FileUploads({
    url: () => {
      const { server, basePath } = connection();
      return `${server}${basePath}/files`;
    },
    auth: () => ({ token: host().client?.token }),
    blob: async (key) => attachments.blobs.get(key) ?? (await keptFiles())?.get(key),
    changed: (save) => (save ? host().client?.outboxChanged() : void rerender()),
  });

  const input = () => container.querySelector<HTMLTextAreaElement>('#message-input');
  /** Puts a message taken back into the composer, unless the visitor has started another. */
  const restoreDraft = (entry: OutgoingMessage) => {
    const field = input();
    if (field && !field.value.trim() && entry.message) {
      field.value = entry.message;
      field.dispatchEvent(new Event('input'));
    }
    field?.focus();
  };

  const threadHost = (message: ChatMessage | undefined): ThreadFilesHost => ({
    server: connection().server,
    lang: lang(),
    text: text(),
    view: (file, trigger) => void viewer.open(file, trigger),
    expired: (image) => {
      const client = host().client;
      const target = message ?? client?.messages.find((candidate) => candidate.files?.some((file) => file.id === viewer.file?.id));
      if (!client || !target) return;
      renewOnce(target.id, image, async () => {
        await client.renewFiles(target);
        viewer.renewed(client.messages.find((candidate) => candidate.id === target.id)?.files);
        renderViewer();
        await rerender();
      });
    },
  });

  // A screenshot pasted into the window, or files dropped on it, join the message.
  container.addEventListener('paste', (event) => attachments.onPaste(event));
  for (const type of ['dragenter', 'dragover', 'dragleave', 'drop'] as const) {
    container.addEventListener(type, (event) => {
      if ((event.target as Element).closest?.('.panel')) attachments.onDrag(event);
    });
  }

  return {
    get attached() {
      return attachments.items.length > 0;
    },

    composer() {
      sweep();
      return attachments.renderComposer(lit);
    },

    thread(message) {
      return message.files?.length ? renderThreadFiles(lit, message.files, threadHost(message)) : lit.nothing;
    },

    outgoing(entry) {
      return attachments.renderOutgoing(lit, entry, uploads, {
        cancel: (taken) => {
          uploads.cancel(taken.clientId);
          host().client?.unsend(taken.clientId);
          attachments.restore(taken);
          restoreDraft(taken);
        },
        chooseAgain: (taken) => {
          host().client?.unsend(taken.clientId);
          attachments.restore(taken);
          restoreDraft(taken);
          container.querySelector<HTMLInputElement>('.file-input')?.click();
        },
      });
    },

    take() {
      const files = attachments.take();
      if (files) {
        void keptFiles().then((store) => {
          for (const file of files) void store?.put(file.key, attachments.blobs.get(file.key)!);
        });
      }
      return files;
    },

    async upload(entry) {
      const ack = await uploads.upload(entry);
      // Said in the live region too: a failed upload is easy to miss in the thread.
      if (!ack.ok && host().client?.outbox.includes(entry)) {
        attachments.notice = entry.files?.some((file) => file.lost)
          ? entry.files.filter((file) => file.lost).map((file) => text().fileLost(file.name)).join(' ')
          : ack.error.message;
        void rerender();
      }
      return ack;
    },
  };
}
