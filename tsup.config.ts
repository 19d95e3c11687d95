import { defineConfig } from 'tsup';

export default defineConfig([
  // The server: ESM only (Node >= 20.19 can also require() it). Entries share one copy of the
  // core through code splitting, so a ChatError from any subpath is the same class.
  {
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
  },
  // `parley-chat/widget` and `parley-chat/inbox` for bundlers: lit and socket.io-client stay
  // imports, and what the two elements share is one chunk.
  {
    entry: { widget: 'web-component/index.ts', inbox: 'web-component/inbox.ts' },
    tsconfig: 'web-component/tsconfig.json',
    format: ['esm'],
    target: 'es2021',
    platform: 'browser',
    dts: true,
    sourcemap: true,
    splitting: true,
    treeshake: true,
  },
  // The self-contained files served at <basePath>/widget.js and <basePath>/inbox.js: everything
  // inlined and minified, each on its own, so the visitors' widget carries nothing of the inbox.
  {
    entry: { 'browser/widget': 'web-component/browser.ts', 'browser/inbox': 'web-component/inbox-browser.ts' },
    tsconfig: 'web-component/tsconfig.json',
    format: ['esm'],
    target: 'es2021',
    platform: 'browser',
    noExternal: [/.*/],
    // Each file complete in itself: no chunk shared between the widget and the inbox.
    splitting: false,
    minify: true,
    treeshake: true,
    outExtension: () => ({ js: '.js' }),
  },
]);
