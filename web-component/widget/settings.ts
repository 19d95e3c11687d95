import type { ChatErrorPayload, ChatMessage, VisitorDetails } from '../../src/protocol.js';
import type { ChatStrings } from './strings.js';

// What the launcher (chat-widget.ts) and the chat window it loads (chat-panel.ts) both know:
// the element's attributes and events, and what the window needs of the element.

export type CollectDetails = 'off' | 'optional' | 'required';

export interface ChatWidgetEventMap {
  'chat-open': CustomEvent<void>;
  'chat-close': CustomEvent<void>;
  'chat-message': CustomEvent<{ message: ChatMessage; own: boolean }>;
  'chat-error': CustomEvent<{ error: ChatErrorPayload }>;
  'chat-details': CustomEvent<{ user: VisitorDetails }>;
}

/** The string attributes, by property, with their defaults. */
export const ATTRIBUTES = {
  server: ['server', ''],
  basePath: ['base-path', '/chat'],
  room: ['room', 'lobby'],
  inbox: ['inbox', ''],
  heading: ['heading', ''],
  position: ['position', 'bottom-right'],
  theme: ['theme', 'light'],
  collectDetails: ['collect-details', 'optional'],
  greeting: ['greeting', ''],
  userId: ['user-id', ''],
  userHash: ['user-hash', ''],
} as const;
export type AttributeProperty = keyof typeof ATTRIBUTES;

/** The widget's attributes as the chat window reads them. */
export type ChatWidgetSettings = { [K in AttributeProperty]: string } & { lang: string; open: boolean };

/**
 * The widget's settings, with the page's strings and the built-in strings of `lang` when it is
 * not English (the window resolves them).
 */
export type PanelSettings = ChatWidgetSettings & { strings: Partial<ChatStrings>; pack?: ChatStrings };

/** What the window needs of its `<chat-widget>`: its events go out from there. */
export interface PanelWidget extends EventTarget {
  show(): void;
  hide(): void;
  unreadChanged(count: number): void;
}

/** What the launcher needs of the chat window it loaded. */
export interface PanelHandle {
  /** Resolves once what was asked for so far is on screen. */
  readonly rendered: Promise<void>;
  update(settings: PanelSettings): void;
  focusFirstField(): void;
  stop(): void;
}
