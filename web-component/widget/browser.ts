// The self-contained browser bundle served at `<basePath>/widget.js`: one script tag registers
// `<chat-widget>`. It exports what `parley-chat/widget` does, so the same types describe both.
export * from './index.js';
