import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

/** Keeps the launcher's `import('./chat-panel.js')` a request for the file beside it, not inlined. */
const panelStaysSeparate: Plugin = {
  name: 'parley-chat-panel-stays-separate',
  setup(build) {
    build.onResolve({ filter: /^\.\/chat-panel\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: './chat-panel.js', external: true } : undefined,
    );
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

// The self-contained files served at <basePath>/widget.js, <basePath>/chat-panel.js and
// <basePath>/inbox.js: everything inlined and minified, each on its own, so the visitors' widget
// carries nothing of the inbox. widget.js is the launcher alone; it imports chat-panel.js (the
// chat window with Lit and the Socket.IO client) from beside itself when the chat is first needed.
export const browserFiles: Options = {
  entry: {
    'browser/widget': 'web-component/widget/browser.ts',
    'browser/chat-panel': 'web-component/widget/chat-panel.ts',
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
  esbuildPlugins: [panelStaysSeparate],
  minify: true,
  treeshake: true,
  outExtension: () => ({ js: '.js' }),
};

export default defineConfig([server, bundlerEntries, browserFiles]);
