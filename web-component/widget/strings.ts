import type { AssistantStrings } from './assistant-strings.js';
import type { FileStrings } from '../shared/file-strings.js';
import type { PrivacyStrings } from './privacy-strings.js';
import type { DetailsStrings } from './details-strings.js';
import type { RatingStrings } from './rating-strings.js';
import { LAUNCHER_STRINGS, type LauncherStrings } from './launcher-strings.js';
import { languageCode, resolveStringTable } from '../shared/strings.js';

/**
 * Every piece of text the widget shows or announces; replace any of them through `strings`. The
 * details form's (see chat-details.ts), the assistant's and the hours' (chat-assistant.ts), those of
 * files (chat-files.ts), those of consent and the conversation's menu (chat-privacy.ts), and those of
 * the rating asked for when a conversation is resolved (chat-rating.ts) come with the file that shows them.
 */
export interface ChatStrings
  extends LauncherStrings,
    Partial<DetailsStrings>,
    Partial<AssistantStrings>,
    Partial<FileStrings>,
    Partial<PrivacyStrings>,
    Partial<RatingStrings> {
  heading: string;
  closeChat: string;
  /** The header's menu button (download or delete the conversation). */
  menu: string;
  online: (count: number) => string;
  connecting: string;
  connected: string;
  offline: string;
  messages: string;
  messageLabel: string;
  placeholder: string;
  send: string;
  sending: string;
  sent: string;
  failed: string;
  retry: string;
  loadOlder: string;
  you: string;
  typing: (names: string[]) => string;
  addDetails: string;
  editDetails: string;
  cancel: string;
  /** Support conversations: an operator of the inbox is online. */
  teamOnline: string;
  /** Support conversations: nobody of the team is online. */
  teamAway: string;
  /** On the visitor's own message once the team read it. */
  seen: string;
  resolved: string;
  /** An empty conversation's greeting (the `greeting` attribute replaces it). */
  greeting: string;
  /** Who of the team is online, under the greeting: `names` is a list ("Alex and Sam"), `count` how many are online. */
  teamHere: (names: string, count: number) => string;
  /** The preview of a new reply by the launcher, for screen readers. */
  newReply: (name: string) => string;
  /** Closes the preview by the launcher. */
  dismiss: string;
}

export const en: ChatStrings = {
  ...LAUNCHER_STRINGS.en!,
  heading: 'Chat with us',
  closeChat: 'Close chat',
  menu: 'Conversation options',
  online: (count) => `${count} online`,
  connecting: 'Connecting…',
  connected: 'Connected',
  offline: 'Offline, reconnecting…',
  messages: 'Messages',
  messageLabel: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not sent',
  retry: 'Retry',
  loadOlder: 'Load older messages',
  you: 'You',
  typing: (names) => (names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`),
  addDetails: 'Add your details',
  editDetails: 'Your details',
  cancel: 'Cancel',
  teamOnline: 'We typically reply in a few minutes',
  teamAway: "We're away — leave your email and we'll reply",
  seen: 'Seen',
  resolved: 'This conversation was resolved. Write again to reopen it.',
  greeting: 'Hi! Ask us anything — we’re happy to help.',
  teamHere: (names, count) => (count > 1 ? `${names} are here to help` : `${names} is here to help`),
  newReply: (name) => `New reply from ${name}`,
  dismiss: 'Dismiss',
};



/**
 * Strings for `lang` (`es-MX` → `es`), from `pack` (the built-in strings of that language, which
 * the launcher loads from a file of their own: English visitors never download Spanish), English
 * where there is none; each fitting override on top.
 */
export function resolveStrings(lang: string, overrides?: Partial<ChatStrings>, pack?: ChatStrings): ChatStrings {
  return resolveStringTable('', pack ? { en, [languageCode(lang)]: pack } : { en }, lang, overrides);
}
