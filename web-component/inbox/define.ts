import { ChatInbox } from './chat-inbox.js';

/**
 * Registers `<chat-inbox>`. Safe to call more than once, and a no-op where there is no
 * `customElements` (server-side rendering, Node).
 */
export function defineChatInbox(tagName = 'chat-inbox'): void {
  if (typeof customElements === 'undefined' || customElements.get(tagName)) return;
  customElements.define(tagName, tagName === 'chat-inbox' ? ChatInbox : class extends ChatInbox {});
}
