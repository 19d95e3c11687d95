/**
 * parley-chat: a real-time chat for any Node web app. The server core attaches Socket.IO
 * handlers and Mongoose models to your HTTP server; `<chat-widget>` is the browser half.
 */
export { createChatServer } from './internal/chat-server.js';
export type { ChatIO, ChatServer, InterServerEvents, NodeHandler } from './internal/chat-server.js';
export type { ConversationListQuery, ConversationSend, ConversationsApi } from './internal/conversations-api.js';
export type { OperatorSocketData } from './internal/context.js';
export { ChatError, HTTP_STATUS_BY_CODE, toChatError } from './internal/errors.js';
export type { ChatErrorOptions } from './internal/errors.js';
export type { SocketData } from './internal/handshake.js';
export { DEFAULT_LIMITS } from './internal/options.js';
export type {
  ChatHandshake,
  ChatHooks,
  ChatLimits,
  ChatLogger,
  ChatServerOptions,
  ConversationEventType,
  IdentifiedUser,
  OperatorIdentity,
  OperatorsOptions,
  RequestMiddleware,
  RoomPolicy,
  Visitor,
} from './internal/options.js';
export type { RateLimit } from './internal/rate-limiter.js';
export { guardRedisClient } from './internal/redis-guard.js';
export type { GuardableRedisClient, GuardRedisOptions } from './internal/redis-guard.js';
export { MemoryStore } from './stores/memory.js';
export type { MemoryStoreOptions } from './stores/memory.js';
export { MongooseStore } from './stores/mongoose.js';
export type { MongooseStoreOptions } from './stores/mongoose.js';
export type {
  AppendResult,
  ChatStore,
  ConversationChange,
  ConversationChangesQuery,
  ConversationPage,
  ConversationQuery,
  ConversationRecord,
  MessageDraft,
  MessagePage,
  MessageQuery,
  UserDetails,
  UserRecord,
} from './stores/types.js';
export { conversationRoom } from './stores/types.js';
export * from './protocol.js';
