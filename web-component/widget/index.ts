/**
 * `parley-chat/widget`: the `<chat-widget>` web component for bundlers. Importing it registers
 * the element in browsers and does nothing on the server.
 */
import { defineChatWidget } from './define.js';

export { ChatWidget } from './chat-widget.js';
export type { ChatWidgetEventMap, CollectDetails } from './settings.js';
export { defineChatWidget } from './define.js';
export type { ChatStrings } from './strings.js';

defineChatWidget();
