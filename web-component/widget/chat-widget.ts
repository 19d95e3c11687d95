import { addStyles } from '../shared/add-styles.js';
import { launcherCss } from './chat-widget.styles.js';
import { ATTRIBUTES, type AttributeProperty, type ChatWidgetEventMap, type CollectDetails, type PanelHandle, type PanelSettings } from './settings.js';
import { load, save } from '../shared/storage.js';
import { connectionOf, storageKeys } from '../clients/storage-keys.js';
import { resolveLauncherStrings, type LauncherStrings } from './launcher-strings.js';
import type { ChatStrings } from './strings.js';
import { languageCode } from '../shared/strings.js';

const CHAT_ICON = '<path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" />';

// Plain Node has no HTMLElement: importing the element there (server-side rendering) must not throw.
const ElementBase = (globalThis.HTMLElement ?? class {}) as typeof HTMLElement;

/**
 * The widget on the page for each chat (by its outbox key). A second one for the same chat stands
 * by, empty (said once in the console), and takes over if the first leaves the page.
 */
const widgetsByChat = new Map<string, ChatWidget>();
const standingBy = new Set<ChatWidget>();
let saidSecondWidget = false;

/** The built-in languages besides English: each one's strings in a file of its own, loaded with the window. */
const LANGUAGE_PACKS: Record<string, () => Promise<{ strings: ChatStrings }>> = {
  es: () => import('./chat-strings-es.js'),
};

/**
 * A live chat for any page: a launcher button that opens a chat window with the room's messages,
 * an input and Send, and a form for the visitor's details. With `inbox`, the window is instead the
 * visitor's private conversation with the site's team.
 *
 * The page loads only the launcher. The window, Lit and the Socket.IO client load when the visitor
 * first opens the chat (or points at the launcher), or at once when they have a conversation
 * still open, a reply unread or a message unsent; until then the chat holds no connection.
 *
 * @summary Real-time chat window backed by a parley-chat server.
 * @tagname chat-widget
 * @customElement chat-widget
 *
 * @attr server - Origin of the chat server; empty for the page's own origin.
 * @attr base-path - The server's `basePath`. Default `/chat`.
 * @attr room - The public room to join; ignored when `inbox` is set. Default `lobby`.
 * @attr inbox - A support inbox (e.g. `support`): the visitor's private conversation with the site's team.
 * @attr heading - The window's heading; defaults to the language's "Chat with us".
 * @attr position - `bottom-right` (default) or `bottom-left`.
 * @attr theme - `light` (default), `dark`, or `auto` to follow the visitor's system.
 * @attr lang - Picks the built-in strings (`en`, `es`); unknown languages fall back to English.
 * @attr collect-details - Whether the window asks for name, email and phone: `off`, `optional` (default) or `required`.
 * @attr greeting - Shown in an empty conversation, with the team online; defaults to the language's greeting in an inbox, none in a room.
 * @attr user-id - Identity verification: the host app's user id.
 * @attr user-hash - Identity verification: HMAC-SHA256(user id, secret) in hex.
 * @attr open - Present while the window is open.
 *
 * @slot intro - Shown at the top of the open window, e.g. opening hours.
 * @slot launcher-icon - Replaces the launcher's chat icon.
 *
 * @event chat-open - The window opened.
 * @event chat-close - The window closed.
 * @event chat-message - A message arrived or was sent. `detail: { message, own }`.
 * @event chat-error - The server refused something. `detail: { error: { code, message, fields? } }`.
 * @event chat-details - The visitor saved their details. `detail: { user }`.
 *
 * @csspart base - The wrapper of launcher and window.
 * @csspart launcher - The round button that opens and closes the window.
 * @csspart badge - The unread count on the launcher.
 * @csspart panel - The chat window.
 * @csspart header - The window's header: heading, status, close button.
 * @csspart heading - The heading text.
 * @csspart status - Connection status and online count.
 * @csspart close-button - The header's close button.
 * @csspart log - The message list.
 * @csspart welcome - An empty conversation's greeting, with who of the team is there.
 * @csspart day - The line that starts each day of messages.
 * @csspart message - Each message.
 * @csspart message-own - The visitor's own messages (also `message`).
 * @csspart message-team - Replies from the site's team, in a support conversation (also `message`).
 * @csspart message-assistant - The assistant's replies (also `message` and `message-team`).
 * @csspart message-pending - Own messages not yet acknowledged by the server.
 * @csspart message-failed - Own messages the server refused; they offer Retry.
 * @csspart sender - A message's sender name.
 * @csspart text - A message's text.
 * @csspart form - The visitor details form.
 * @csspart notice - A line about the conversation, e.g. that it was resolved.
 * @csspart composer - The form holding the input and Send.
 * @csspart input - The message input.
 * @csspart send-button - The Send button.
 * @csspart preview - A new reply from the team, shown beside the launcher while the window is closed.
 * @csspart attach-button - The paperclip, when the chat takes files.
 * @csspart attachments - The files attached to the message being written.
 * @csspart files - The files of a message: thumbnails that open the viewer, chips that download.
 * @csspart progress - The progress bar of a message's files as they upload.
 * @csspart viewer - The image viewer, a modal dialog.
 * @csspart menu-button - A conversation's menu button in the header (download or delete it).
 * @csspart menu - The menu it opens.
 * @csspart consent - The chat's terms and their "I agree" checkbox, before the first message.
 * @csspart erased - The text of an erased message ("Message deleted"; also `text`).
 * @csspart rating - The rating asked for when a resolved conversation waits for one: the question, the scores, a comment and Send.
 * @csspart rating-score - Each score's star (1 to 5), a radio button's label.
 * @csspart rating-comment - The rating's optional comment.
 * @csspart rating-send - The button that sends the rating.
 * @csspart rating-thanks - The thank-you once the rating was sent.
 *
 * @cssproperty --chat-accent - Launcher, own messages and buttons. Default `#2563eb`.
 * @cssproperty --chat-accent-contrast - Text on the accent colour. Default `#ffffff`.
 * @cssproperty --chat-background - Window background.
 * @cssproperty --chat-foreground - Text colour.
 * @cssproperty --chat-muted - Secondary text.
 * @cssproperty --chat-border - Borders and separators.
 * @cssproperty --chat-bubble - Other people's messages.
 * @cssproperty --chat-error - Error text.
 * @cssproperty --chat-font - Font family. Default the system UI font.
 * @cssproperty --chat-radius - Corner radius. Default `14px`.
 * @cssproperty --chat-width - Window width. Default `370px`.
 * @cssproperty --chat-height - Window height. Default `560px`.
 * @cssproperty --chat-offset - Distance from the viewport edges. Default `20px`.
 * @cssproperty --chat-launcher-size - Diameter of the launcher. Default `56px`.
 * @cssproperty --chat-z-index - Stacking order. Default `2147483000`.
 */
export class ChatWidget extends ElementBase {
  static get observedAttributes(): string[] {
    return [...Object.values(ATTRIBUTES).map(([attribute]) => attribute), 'lang', 'open'];
  }

  /** Origin of the chat server; empty for the page's own origin. */
  get server(): string {
    return this.#read('server');
  }
  set server(value: string) {
    this.#write('server', value);
  }

  /** The server's `basePath`. */
  get basePath(): string {
    return this.#read('basePath');
  }
  set basePath(value: string) {
    this.#write('basePath', value);
  }

  /** The public room to join; ignored when `inbox` is set. */
  get room(): string {
    return this.#read('room');
  }
  set room(value: string) {
    this.#write('room', value);
  }

  /**
   * A support inbox (e.g. `support`): the window becomes the visitor's private conversation with
   * the site's team instead of a public room.
   */
  get inbox(): string {
    return this.#read('inbox');
  }
  set inbox(value: string) {
    this.#write('inbox', value);
  }

  /** The window's heading; defaults to the language's "Chat with us". */
  get heading(): string {
    return this.#read('heading');
  }
  set heading(value: string) {
    this.#write('heading', value);
  }

  get position(): 'bottom-right' | 'bottom-left' {
    return this.#read('position') === 'bottom-left' ? 'bottom-left' : 'bottom-right';
  }
  set position(value: 'bottom-right' | 'bottom-left') {
    this.#write('position', value);
  }

  get theme(): 'light' | 'dark' | 'auto' {
    const theme = this.#read('theme');
    return theme === 'dark' || theme === 'auto' ? theme : 'light';
  }
  set theme(value: 'light' | 'dark' | 'auto') {
    this.#write('theme', value);
  }

  /** Shown in an empty conversation, with the team online; defaults to the language's greeting in an inbox. */
  get greeting(): string {
    return this.#read('greeting');
  }
  set greeting(value: string) {
    this.#write('greeting', value);
  }

  /** Whether the window asks for name, email and phone. */
  get collectDetails(): CollectDetails {
    const value = this.#read('collectDetails');
    return value === 'off' || value === 'required' ? value : 'optional';
  }
  set collectDetails(value: CollectDetails) {
    this.#write('collectDetails', value);
  }

  /** Identity verification: the host app's user id. */
  get userId(): string {
    return this.#read('userId');
  }
  set userId(value: string) {
    this.#write('userId', value);
  }

  /** Identity verification: HMAC-SHA256(userId, secret) in hex. */
  get userHash(): string {
    return this.#read('userHash');
  }
  set userHash(value: string) {
    this.#write('userHash', value);
  }

  /** Replaces any of the built-in strings. (The `lang` attribute picks the built-in language: `en`, `es`.) */
  get strings(): Partial<ChatStrings> {
    return this.#strings;
  }
  set strings(value: Partial<ChatStrings>) {
    this.#strings = value ?? {};
    this.#text = undefined;
    this.#sync();
  }

  /** Whether the window is open. */
  get open(): boolean {
    return this.hasAttribute('open');
  }
  set open(value: boolean) {
    this.toggleAttribute('open', Boolean(value));
  }

  #strings: Partial<ChatStrings> = {};
  #text: LauncherStrings | undefined;
  #unread = 0;
  /** This widget's chat, while it holds it (see widgetsByChat); another widget has it when unset. */
  #chatKey: string | undefined;
  #launcher: HTMLButtonElement | undefined;
  #panel: PanelHandle | undefined;
  /** The chat window's module, once asked for. */
  #panelModule: Promise<typeof import('./chat-panel.js')> | undefined;
  /** The built-in strings of a language other than English, once loaded: [language, strings]. */
  #pack: [string, ChatStrings] | undefined;

  connectedCallback(): void {
    // Properties a page set before the element was defined sit on the instance, hiding the accessors.
    for (const property of ['strings', 'open', ...Object.keys(ATTRIBUTES)] as const) {
      if (Object.prototype.hasOwnProperty.call(this, property)) {
        const value = (this as Record<string, unknown>)[property];
        delete (this as Record<string, unknown>)[property];
        (this as Record<string, unknown>)[property] = value;
      }
    }
    const keys = storageKeys(connectionOf(this.#panelSettings()));
    const holder = widgetsByChat.get(keys.outbox);
    if (holder && holder !== this && holder.isConnected) {
      if (!saidSecondWidget) console.warn('parley-chat: this page has two <chat-widget>s for one chat; the second shows nothing.', this);
      saidSecondWidget = true;
      standingBy.add(this);
      // An empty shadow root: the page's own content of the element (its slots) stays hidden too.
      this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      return;
    }
    standingBy.delete(this);
    widgetsByChat.set(keys.outbox, this);
    this.#chatKey = keys.outbox;
    // A reload keeps the window as the visitor left it.
    const wasOpen = load<boolean>(keys.open, 'sessionStorage');
    if (wasOpen !== undefined) this.open = wasOpen;
    this.#render();
    if (this.open || this.#worthConnecting()) void this.#startPanel();
  }

  disconnectedCallback(): void {
    standingBy.delete(this);
    if (this.#chatKey && widgetsByChat.get(this.#chatKey) === this) {
      widgetsByChat.delete(this.#chatKey);
      // A widget standing by for this chat takes over.
      for (const widget of standingBy) if (widget.isConnected) widget.connectedCallback();
    }
    this.#chatKey = undefined;
    // The window goes with its connection; a widget put back starts a new one.
    this.#panel?.stop();
    this.#panel = undefined;
  }

  attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
    if (previous === value) return;
    if (name === 'lang') {
      this.#text = undefined;
      if (this.#panelModule) void this.#loadPack().then(() => this.#sync());
    }
    if (!this.#chatKey) return;
    if (name === 'open') {
      save(storageKeys(connectionOf(this.#panelSettings())).open, value !== null, 'sessionStorage');
      if (value !== null) void this.#startPanel();
    }
    this.#sync();
  }

  /** Opens the window and moves focus into it. */
  show(): void {
    if (this.open) return;
    this.open = true;
    this.#emit('chat-open');
    void this.#startPanel().then((panel) => panel?.focusFirstField());
  }

  /** Closes the window and returns focus to the launcher. */
  hide(): void {
    if (!this.open) return;
    this.open = false;
    this.#emit('chat-close');
    this.#launcher?.focus();
  }

  /** @internal The chat window tells the launcher its unread count. */
  unreadChanged(count: number): void {
    if (count === this.#unread) return;
    this.#unread = count;
    this.#sync();
  }

  /** What the chat window shows: every attribute, the language, the strings and whether it is open. */
  #panelSettings(): PanelSettings {
    const settings = {} as PanelSettings;
    for (const property of Object.keys(ATTRIBUTES) as AttributeProperty[]) settings[property] = this.#read(property);
    const pack = this.#pack?.[0] === languageCode(this.lang) ? this.#pack[1] : undefined;
    return Object.assign(settings, { lang: this.lang, strings: this.#strings, pack, open: this.open });
  }

  #resolvedText(): LauncherStrings {
    return (this.#text ??= resolveLauncherStrings(this.lang, this.#strings));
  }

  #read(property: AttributeProperty): string {
    const [attribute, fallback] = ATTRIBUTES[property];
    return this.getAttribute(attribute) ?? fallback;
  }

  #write(property: AttributeProperty, value: string): void {
    this.setAttribute(ATTRIBUTES[property][0], String(value));
  }

  #emit(name: 'chat-open' | 'chat-close'): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true }));
  }

  /**
   * Whether to connect before the visitor opens anything: their conversation is still open or
   * has an unread reply (the chat client leaves a note in localStorage), or messages wait in the
   * outbox to be sent.
   */
  #worthConnecting(): boolean {
    const keys = storageKeys(connectionOf(this.#panelSettings()));
    return load<boolean>(keys.resume) === true || (load<unknown[]>(keys.outbox)?.length ?? 0) > 0;
  }

  /** Loads the chat window's code, once; a failed load is tried again next time. */
  #loadPanel(): Promise<typeof import('./chat-panel.js')> {
    this.#panelModule ??= import('./chat-panel.js').catch((error: unknown) => {
      this.#panelModule = undefined;
      throw error;
    });
    return this.#panelModule;
  }

  /** Loads the built-in strings of the page's language, when it is not English; without them the window speaks English. */
  async #loadPack(): Promise<void> {
    const code = languageCode(this.lang);
    const load = Object.prototype.hasOwnProperty.call(LANGUAGE_PACKS, code) ? LANGUAGE_PACKS[code] : undefined;
    if (!load || this.#pack?.[0] === code) return;
    try {
      this.#pack = [code, (await load()).strings];
    } catch {
      // Offline, or the file is missing: English, rather than no chat.
    }
  }

  /** Loads the chat window, which connects; resolves with it, or undefined if it could not load. */
  async #startPanel(): Promise<PanelHandle | undefined> {
    this.#render();
    if (this.#panel) return this.#panel;
    let module;
    try {
      [module] = await Promise.all([this.#loadPanel(), this.#loadPack()]);
    } catch (error) {
      // Offline, or the server went away: the launcher stays, and the next click tries again.
      console.warn('parley-chat: the chat window could not be loaded', error);
      this.open = false;
      return undefined;
    }
    if (!this.#panel && this.isConnected) this.#panel = module.createPanel(this, this.#launcher!.parentElement!, this.#panelSettings());
    await this.#panel?.rendered;
    return this.#panel;
  }

  /** Builds the launcher, once; the chat window is added beside it when it loads. */
  #render(): void {
    if (this.#launcher) return;
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    addStyles(root, launcherCss);
    const base = document.createElement('div');
    base.className = 'base';
    base.setAttribute('part', 'base');
    const launcher = document.createElement('button');
    launcher.className = 'launcher';
    launcher.type = 'button';
    launcher.setAttribute('part', 'launcher');
    launcher.setAttribute('aria-controls', 'panel');
    launcher.innerHTML = `<slot name="launcher-icon"><svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${CHAT_ICON}</svg></slot>`;
    launcher.addEventListener('click', () => (this.open ? this.hide() : this.show()));
    // Pointing at the launcher, or tabbing to it, fetches the window's code; opening then is instant.
    const prefetch = () => void this.#loadPanel().catch(() => undefined);
    launcher.addEventListener('pointerenter', prefetch, { once: true });
    launcher.addEventListener('focus', prefetch, { once: true });
    base.append(launcher);
    root.append(base);
    this.#launcher = launcher;
    this.#sync();
  }

  /** Brings the launcher and the chat window up to date with the attributes. */
  #sync(): void {
    const launcher = this.#launcher;
    if (!launcher) return;
    const text = this.#resolvedText();
    const unread = this.open ? 0 : this.#unread;
    launcher.setAttribute('aria-expanded', String(this.open));
    launcher.setAttribute('aria-label', unread ? `${text.openChat}, ${text.unread(unread)}` : this.open ? text.hideChat : text.openChat);
    let badge = launcher.querySelector<HTMLElement>('.badge');
    if (unread && !badge) {
      badge = document.createElement('span');
      badge.className = 'badge';
      badge.setAttribute('part', 'badge');
      badge.setAttribute('aria-hidden', 'true');
      launcher.append(badge);
    }
    if (badge && !unread) badge.remove();
    else if (badge) badge.textContent = String(unread);
    this.#panel?.update(this.#panelSettings());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-widget': ChatWidget;
  }
  interface GlobalEventHandlersEventMap extends ChatWidgetEventMap {}
}
