import type { ConsentState } from '../protocol.js';
import { ChatError } from '../server/errors.js';
import type { ChatStore } from '../stores/types.js';

/** `privacy.consent`: what visitors must agree to before they write. */
export interface ConsentOptions {
  /** Whether visitors must consent before sending messages or their details. */
  required: boolean;
  /** The version of the terms: a new one asks every visitor again. 1–64 characters. */
  version: string;
  /** The text the widget shows with its checkbox (plain text, at most 2000 characters). */
  text?: string;
}

export function resolveConsent(options: ConsentOptions | undefined): ConsentOptions | undefined {
  if (options === undefined) return undefined;
  const { required, version, text } = (options ?? {}) as Partial<ConsentOptions>;
  if (typeof required !== 'boolean') throw new TypeError('parley-chat: privacy.consent.required must be true or false');
  if (typeof version !== 'string' || version.length < 1 || version.length > 64) {
    throw new TypeError("parley-chat: privacy.consent.version must be 1–64 characters, e.g. '2026-12'");
  }
  if (text !== undefined && (typeof text !== 'string' || text.length > 2000)) throw new TypeError('parley-chat: privacy.consent.text must be at most 2000 characters');
  return { required, version, ...(text === undefined ? {} : { text }) };
}

/** What a socket knows of its visitor's consent. */
export interface ConsentHolder {
  data: { visitorId: string; consentGiven?: boolean };
}

/**
 * Consent to the chat's terms: recorded with its version and time, asked again for a new version,
 * and required before a visitor's messages and details when the host says so.
 */
export class Consent {
  readonly #options: ConsentOptions;
  readonly #store: ChatStore;

  constructor(options: ConsentOptions, store: ChatStore) {
    this.#options = options;
    this.#store = store;
  }

  /** Whether the visitor has consented to the current version (one read, at the handshake). */
  async given(visitorId: string): Promise<boolean> {
    const [latest] = await this.#store.consents(visitorId);
    return latest?.version === this.#options.version;
  }

  /** What the `session` event says of it. */
  state(given: boolean): ConsentState {
    const { required, version, text } = this.#options;
    return { required, version, given, ...(text === undefined ? {} : { text }) };
  }

  /**
   * Refuses (CONSENT_REQUIRED) a visitor who has not consented to the current version, when it is
   * required. A tab that consented on another node is believed once the store says so.
   */
  async check(socket: ConsentHolder): Promise<void> {
    if (!this.#options.required || socket.data.consentGiven) return;
    if (await this.given(socket.data.visitorId)) {
      socket.data.consentGiven = true;
      return;
    }
    throw new ChatError('CONSENT_REQUIRED', 'Please agree to the terms of this chat before writing');
  }

  /** The visitor agreed to `version`: recorded (with where from, as `privacy.ipAddresses` allows), if it is the current one. */
  async give(visitorId: string, version: string, address?: string): Promise<ConsentState> {
    if (version !== this.#options.version) {
      throw new ChatError('VALIDATION', 'These terms have changed; agree to the current version', { fields: { version: `The current version is ${this.#options.version}` } });
    }
    await this.#store.recordConsent(visitorId, { version, givenAt: new Date(), ...(address ? { address } : {}) });
    return this.state(true);
  }
}
