// Prints the gzipped sizes of the browser files the adapters serve, and fails when the visitors'
// widget passes its budgets: the launcher goes on every page of a site, and the chat window is
// what a visitor waits for when they open it. The team's inbox has no budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// The launcher stays as small as it was before the window learned greetings, previews and grouping.
const LAUNCHER_BUDGET_BYTES = 4.2 * 1000;
// The window speaks the whole protocol, the assistant's streamed replies included (31 KB since they
// came; 30 before); what only an assistant or a details form needs loads on its own, when needed.
const OPEN_CHAT_BUDGET_BYTES = 31 * 1000;
const kb = (/** @type {number} */ bytes) => `${(bytes / 1000).toFixed(2)} KB`;

/** @param {string} name */
function measure(name) {
  const raw = readFileSync(new URL(`../dist/browser/${name}`, import.meta.url));
  return { raw: raw.length, gzipped: gzipSync(raw, { level: 9 }).length };
}

const widget = measure('widget.js');
const panel = measure('chat-panel.js');
const inbox = measure('inbox.js');
const spanish = measure('chat-strings-es.js');
const details = measure('chat-details.js');
const assistant = measure('chat-assistant.js');
const files = measure('chat-files.js');
const privacy = measure('chat-privacy.js');
const rating = measure('chat-rating.js');
const openChat = widget.gzipped + panel.gzipped;
console.log(`widget.js (the launcher, on every page): ${kb(widget.raw)} minified, ${kb(widget.gzipped)} gzipped (budget ${kb(LAUNCHER_BUDGET_BYTES)})`);
console.log(`chat-panel.js (loaded on opening): ${kb(panel.raw)} minified, ${kb(panel.gzipped)} gzipped; with the launcher ${kb(openChat)} (budget ${kb(OPEN_CHAT_BUDGET_BYTES)})`);
console.log(`chat-details.js (the details form, loaded when it is first needed): ${kb(details.gzipped)} gzipped`);
console.log(`chat-assistant.js (with the window, for an inbox with an assistant or hours): ${kb(assistant.gzipped)} gzipped`);
console.log(`chat-files.js (with the window, for a chat that takes files): ${kb(files.gzipped)} gzipped`);
console.log(`chat-privacy.js (with the window, for consent, erased messages or the conversation's menu): ${kb(privacy.gzipped)} gzipped`);
console.log(`chat-rating.js (with the window, once a resolved conversation asks for a rating): ${kb(rating.gzipped)} gzipped`);
console.log(`chat-strings-es.js (with the window, on Spanish pages only): ${kb(spanish.gzipped)} gzipped`);
console.log(`inbox.js: ${kb(inbox.raw)} minified, ${kb(inbox.gzipped)} gzipped`);
const over = [
  widget.gzipped > LAUNCHER_BUDGET_BYTES && `widget.js is ${kb(widget.gzipped - LAUNCHER_BUDGET_BYTES)} over its budget`,
  openChat > OPEN_CHAT_BUDGET_BYTES && `widget.js and chat-panel.js are ${kb(openChat - OPEN_CHAT_BUDGET_BYTES)} over their budget`,
].filter(Boolean);
if (over.length) {
  for (const line of over) console.error(line);
  process.exit(1);
}
