/** What a widget talks to: its server, base path, and a public room or the visitor's conversation in an inbox. */
export interface ChatConnection {
  server: string;
  basePath: string;
  target: { room: string } | { inbox: string };
}

/** A widget's connection from its attributes, normalised the same way wherever it is read. */
export function connectionOf(settings: { server: string; basePath: string; room: string; inbox: string }): ChatConnection {
  return {
    server: settings.server.replace(/\/+$/, ''),
    basePath: settings.basePath.replace(/\/+$/, ''),
    target: settings.inbox ? { inbox: settings.inbox } : { room: settings.room },
  };
}

/**
 * The storage keys of a connection: the visitor's token (one per server), the outbox of unsent
 * messages, and whether the next page should connect at once (an open conversation or an unread
 * reply), which the launcher reads before anything else has loaded; and, in sessionStorage,
 * whether the window was open, so a reload keeps it as it was, and the reply whose preview the
 * visitor dismissed, so the next page does not show it again.
 */
export function storageKeys({ server, basePath, target }: ChatConnection) {
  const prefix = `parley-chat:${server}${basePath}`;
  const name = 'room' in target ? target.room : `inbox:${target.inbox}`;
  return {
    token: `${prefix}:token`,
    outbox: `${prefix}:${name}:outbox`,
    resume: `${prefix}:${name}:resume`,
    open: `${prefix}:${name}:open`,
    previewDismissed: `${prefix}:${name}:preview-dismissed`,
  };
}
