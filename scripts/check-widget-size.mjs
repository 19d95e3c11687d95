// Prints the gzipped sizes of the browser files the adapters serve, and fails when the visitors'
// widget passes its budget: it goes on every page of a site. The team's inbox has no budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const WIDGET_BUDGET_BYTES = 30 * 1000;
const kb = (/** @type {number} */ bytes) => `${(bytes / 1000).toFixed(1)} KB`;

/** @param {string} name */
function measure(name) {
  const raw = readFileSync(new URL(`../dist/browser/${name}`, import.meta.url));
  return { raw: raw.length, gzipped: gzipSync(raw, { level: 9 }).length };
}

const widget = measure('widget.js');
const inbox = measure('inbox.js');
console.log(`widget.js: ${kb(widget.raw)} minified, ${kb(widget.gzipped)} gzipped (budget ${kb(WIDGET_BUDGET_BYTES)})`);
console.log(`inbox.js: ${kb(inbox.raw)} minified, ${kb(inbox.gzipped)} gzipped`);
if (widget.gzipped > WIDGET_BUDGET_BYTES) {
  console.error(`widget.js is ${kb(widget.gzipped - WIDGET_BUDGET_BYTES)} over its gzipped size budget`);
  process.exit(1);
}
