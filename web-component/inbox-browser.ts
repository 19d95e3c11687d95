// The self-contained browser bundle served at `<basePath>/inbox.js`: one script tag registers
// `<chat-inbox>`.
import './inbox.js';
