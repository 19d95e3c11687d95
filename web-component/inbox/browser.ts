// The self-contained browser bundle served at `<basePath>/inbox.js`: one script tag registers
// `<chat-inbox>`. It exports what `parley-chat/inbox` does, so the same types describe both.
export * from './index.js';
