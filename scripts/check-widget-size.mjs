// Prints the gzipped size of the widget file the adapters serve, and fails above the budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 30 * 1000;
const file = new URL('../dist/browser/widget.js', import.meta.url);
const raw = readFileSync(file);
const gzipped = gzipSync(raw, { level: 9 }).length;
const kb = (/** @type {number} */ bytes) => `${(bytes / 1000).toFixed(1)} KB`;
console.log(`widget.js: ${kb(raw.length)} minified, ${kb(gzipped)} gzipped (budget ${kb(BUDGET_BYTES)})`);
if (gzipped > BUDGET_BYTES) {
  console.error(`widget.js is ${kb(gzipped - BUDGET_BYTES)} over its gzipped size budget`);
  process.exit(1);
}
