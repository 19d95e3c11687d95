/** `privacy.retention`: how long the chat keeps what it stores, in days; each is off when left out. */
export interface RetentionOptions {
  /** Every message (rooms, conversations, notes) older than this, with its files. */
  messagesDays?: number;
  /** Conversations resolved (and unchanged) this long ago, whole: messages, notes, files. */
  resolvedConversationsDays?: number;
  /** Visitors whose tabs have not connected for this long, erased as `eraseVisitor` deletes. */
  inactiveVisitorsDays?: number;
  /** Files uploaded this long ago; the messages that carried them keep their names. */
  filesDays?: number;
}

export function resolveRetention(options: RetentionOptions | undefined): RetentionOptions | undefined {
  if (options === undefined) return undefined;
  if (!options || typeof options !== 'object') throw new TypeError('parley-chat: privacy.retention must be an object of days, e.g. { messagesDays: 365 }');
  const resolved: RetentionOptions = {};
  for (const key of ['messagesDays', 'resolvedConversationsDays', 'inactiveVisitorsDays', 'filesDays'] as const) {
    const days = options[key];
    if (days === undefined) continue;
    if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0) {
      throw new TypeError(`parley-chat: privacy.retention.${key} must be a number of days above 0, e.g. 365; not ${JSON.stringify(days)}`);
    }
    resolved[key] = days;
  }
  return Object.keys(resolved).length ? resolved : undefined;
}
