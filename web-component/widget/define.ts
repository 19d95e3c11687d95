import { ChatWidget } from './chat-widget.js';

/**
 * Registers `<chat-widget>`. Safe to call more than once, and a no-op where there is no
 * `customElements` (server-side rendering, Node).
 */
export function defineChatWidget(tagName = 'chat-widget'): void {
  if (typeof customElements === 'undefined' || customElements.get(tagName)) return;
  customElements.define(tagName, tagName === 'chat-widget' ? ChatWidget : class extends ChatWidget {});
}
