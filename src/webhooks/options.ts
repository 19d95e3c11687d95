/** The events a webhook can be sent for. */
export const WEBHOOK_EVENTS = ['conversation.created', 'conversation.resolved', 'message.created', 'rating.created'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** One receiver of the chat's events (`webhooks`), signed per the Standard Webhooks specification. */
export interface WebhookEndpoint {
  /** Where events are POSTed: an `https:` URL (`http:` for a receiver on this machine or network of yours). */
  url: string;
  /** The events it receives. */
  events: readonly WebhookEventType[];
  /**
   * The signing secret, `whsec_` and a base64 key of 24 to 64 bytes, as Standard Webhooks libraries
   * make and read it (`new Webhook(secret).verify(body, headers)`).
   */
  secret: string;
}

/** A checked endpoint: its key decoded. */
export interface ResolvedEndpoint {
  url: string;
  events: ReadonlySet<WebhookEventType>;
  key: Buffer;
}

export function resolveWebhooks(endpoints: readonly WebhookEndpoint[] | undefined): ResolvedEndpoint[] | undefined {
  if (endpoints === undefined) return undefined;
  if (!Array.isArray(endpoints)) throw new TypeError('parley-chat: webhooks must be a list of { url, events, secret }');
  const resolved = endpoints.map((endpoint, index) => {
    const where = `webhooks[${index}]`;
    const { url, events, secret } = (endpoint ?? {}) as Partial<WebhookEndpoint>;
    let parsed: URL | undefined;
    try {
      parsed = typeof url === 'string' ? new URL(url) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
      throw new TypeError(`parley-chat: ${where}.url must be an http(s) URL; got ${JSON.stringify(url)}`);
    }
    if (!Array.isArray(events) || events.length === 0 || events.some((event) => !WEBHOOK_EVENTS.includes(event))) {
      throw new TypeError(`parley-chat: ${where}.events must list some of ${WEBHOOK_EVENTS.join(', ')}; got ${JSON.stringify(events)}`);
    }
    const key = typeof secret === 'string' && secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.alloc(0);
    if (key.length < 24 || key.length > 64) {
      throw new TypeError(`parley-chat: ${where}.secret must be 'whsec_' and a base64 key of 24 to 64 bytes, e.g. 'whsec_' + crypto.randomBytes(32).toString('base64')`);
    }
    return { url: parsed.href, events: new Set(events), key };
  });
  return resolved.length ? resolved : undefined;
}
