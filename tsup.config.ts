import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';
import { minifyTemplates } from './scripts/minify-templates.js';

/**
 * Keeps the launcher's `import('./chat-panel.js')` (and of a language's strings,
 * `./chat-strings-es.js`), and the window's `import('./chat-details.js')`,
 * `import('./chat-assistant.js')`, `import('./chat-files.js')`, `import('./chat-privacy.js')` and
 * `import('./chat-rating.js')`, a request for the file beside it, not inlined.
 */
const panelStaysSeparate: Plugin = {
  name: 'parley-chat-panel-stays-separate',
  setup(build) {
    build.onResolve({ filter: /^\.\/chat-(panel|details|assistant|files|privacy|rating|strings-[a-z]+)\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};

/** The browser files without their templates' indentation and their CSS's comments (see scripts/minify-templates.ts). */
const templatesMinified: Plugin = {
  name: 'parley-chat-templates-minified',
  setup(build) {
    build.onLoad({ filter: /web-component[\\/].*\.ts$/ }, async (args) => ({
      contents: minifyTemplates(args.path, await readFile(args.path, 'utf8')),
      loader: 'ts',
    }));
  },
};

/**
 * Leaves Engine.IO's WebTransport client out of the browser files: the chat's server speaks
 * WebSocket and HTTP long-polling only (WebTransport needs an HTTP/3 server the host would have
 * to add), so the widget never asks for it.
 */
const noWebTransport: Plugin = {
  name: 'parley-chat-no-webtransport',
  setup(build) {
    build.onResolve({ filter: /^\.\/webtransport\.js$/ }, (args) =>
      /engine\.io-client/.test(args.importer) ? { path: 'webtransport', namespace: 'parley-chat-absent' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'parley-chat-absent' }, () => ({ contents: 'export const WT = undefined;', loader: 'js' }));
  },
};

// The server: ESM only (Node >= 20.19 can also require() it). Entries share one copy of the
// core through code splitting, so a ChatError from any subpath is the same class.
export const server: Options = {
  entry: {
    index: 'src/index.ts',
    express: 'adapters/express.ts',
    koa: 'adapters/koa.ts',
    fastify: 'adapters/fastify.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  splitting: true,
  treeshake: true,
};

// `parley-chat/widget` and `parley-chat/inbox` for bundlers: lit and socket.io-client stay
// imports, and what the two elements share is one chunk.
export const bundlerEntries: Options = {
  entry: { widget: 'web-component/widget/index.ts', inbox: 'web-component/inbox/index.ts' },
  tsconfig: 'web-component/tsconfig.json',
  format: ['esm'],
  target: 'es2022',
  platform: 'browser',
  dts: true,
  sourcemap: true,
  splitting: true,
  treeshake: true,
};

// The self-contained files served at <basePath>/widget.js, <basePath>/chat-panel.js,
// <basePath>/chat-strings-es.js and <basePath>/inbox.js: everything inlined and minified, each on its own, so the visitors' widget
// carries nothing of the inbox. widget.js is the launcher alone; it imports chat-panel.js (the
// chat window with Lit and the Socket.IO client) from beside itself when the chat is first needed.
export const browserFiles: Options = {
  entry: {
    'browser/widget': 'web-component/widget/browser.ts',
    'browser/chat-panel': 'web-component/widget/chat-panel.ts',
    'browser/chat-details': 'web-component/widget/chat-details.ts',
    'browser/chat-assistant': 'web-component/widget/chat-assistant.ts',
    'browser/chat-files': 'web-component/widget/chat-files.ts',
    'browser/chat-privacy': 'web-component/widget/chat-privacy.ts',
    'browser/chat-rating': 'web-component/widget/chat-rating.ts',
    'browser/chat-strings-es': 'web-component/widget/chat-strings-es.ts',
    'browser/inbox': 'web-component/inbox/browser.ts',
  },
  tsconfig: 'web-component/tsconfig.json',
  format: ['esm'],
  target: 'es2022',
  platform: 'browser',
  noExternal: [/.*/],
  // Each file complete in itself: no chunk shared between the widget and the inbox, and none the
  // launcher would have to fetch before it can show.
  splitting: false,
  esbuildPlugins: [panelStaysSeparate, templatesMinified, noWebTransport],
  minify: true,
  treeshake: true,
  outExtension: () => ({ js: '.js' }),
};

export default defineConfig([server, bundlerEntries, browserFiles]);
