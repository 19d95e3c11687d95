/**
 * `parley-chat/inbox`: the `<chat-inbox>` web component for the team, for bundlers. Importing it
 * registers the element in browsers and does nothing on the server.
 */
import { defineChatInbox } from './define.js';

export { ChatInbox } from './chat-inbox.js';
export type { ChatInboxEventMap } from './chat-inbox.js';
export { defineChatInbox } from './define.js';
export type { InboxStrings } from './strings.js';
export { OperatorClient } from '../clients/operator-client.js';
export type { InboxFilter, OpenConversation, OperatorClientEvents, OperatorClientOptions } from '../clients/operator-client.js';

defineChatInbox();
