// The self-contained browser bundle served at `<basePath>/widget.js`: one script tag registers
// `<chat-widget>`.
import './index.js';
