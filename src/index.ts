/**
 * parley-chat: a real-time chat for any Node web app. The server core attaches Socket.IO
 * handlers and Mongoose models to your HTTP server; `<chat-widget>` is the browser half.
 */
export { createChatServer } from './server/chat-server.js';
export type { ChatIO, ChatServer, InterServerEvents, NodeHandler } from './server/chat-server.js';
export type { ConversationListQuery, ConversationSend, ConversationsApi } from './conversations/api.js';
export type { OperatorSocketData } from './server/socket-data.js';
export { ChatError, HTTP_STATUS_BY_CODE, toChatError } from './server/errors.js';
export type { ChatErrorOptions } from './server/errors.js';
export type { SocketData } from './server/socket-data.js';
export { DEFAULT_LIMITS } from './server/options.js';
export type { AssistantApi, HoursApi } from './assistant/api.js';
export type { HoursOptions, Weekday } from './assistant/hours.js';
export type {
  AssistantOptions,
  AssistantReplyContext,
  ChatHandshake,
  ChatHooks,
  ChatLimits,
  ChatLogger,
  ChatServerOptions,
  ConversationEventType,
  IdentifiedUser,
  OperatorIdentity,
  OperatorsOptions,
  PrivacyOptions,
  RequestMiddleware,
  RoomPolicy,
  Visitor,
} from './server/options.js';
export type { RateLimit } from './server/rate-limiter.js';
export type { PrivacyApi } from './privacy/api.js';
export type { WebhookEndpoint, WebhookEventType } from './webhooks/options.js';
export type { WebhookDelivery } from './webhooks/outbox.js';
export type { WebhooksApi } from './webhooks/webhooks.js';
export type { ConsentOptions } from './privacy/consent.js';
export type { RetentionOptions } from './privacy/retention-options.js';
export type { RetentionResult } from './privacy/retention.js';
export type { IpAddressPolicy } from './server/client-address.js';
export { guardRedisClient } from './cluster/redis-guard.js';
export type { GuardableRedisClient, GuardRedisOptions } from './cluster/redis-guard.js';
export { GridFsFileStore } from './files/gridfs.js';
export { MemoryFileStore } from './files/memory-file-store.js';
export type { ByteRange, FileStore, StoredFileInfo } from './files/file-store.js';
export { DEFAULT_FILE_TYPES } from './files/options.js';
export type { FilesOptions, FileToCheck, FileUploader } from './files/options.js';
export { MemoryStore } from './stores/memory.js';
export type { MemoryStoreOptions } from './stores/memory.js';
export { MongooseStore } from './stores/mongoose/store.js';
export type { MongooseStoreOptions } from './stores/mongoose/store.js';
export type {
  AppendOptions,
  AppendResult,
  ChatStore,
  ConsentRecord,
  ConversationAppendResult,
  ConversationChange,
  ConversationChangesQuery,
  ConversationMessageDraft,
  ConversationPage,
  ConversationQuery,
  ConversationRecord,
  ConversationTarget,
  InboxCounts,
  MessageDraft,
  MessagePage,
  MessageQuery,
  ReplyUpdate,
  PrivacyStore,
  UserDetails,
  UserRecord,
  VisitorActivity,
} from './stores/types.js';
/** The thread key of a conversation: what its messages' `room` field holds. */
export { threadKey as conversationRoom } from './stores/conversation-rules.js';
export * from './protocol.js';
