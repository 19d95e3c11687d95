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
  // `parley-chat/widget` for bundlers: lit and socket.io-client stay imports.
  {
    entry: { widget: 'web-component/index.ts' },
    tsconfig: 'web-component/tsconfig.json',
    format: ['esm'],
    target: 'es2021',
    platform: 'browser',
    dts: true,
    sourcemap: true,
    treeshake: true,
  },
  // The self-contained file served at <basePath>/widget.js: everything inlined and minified.
  {
    entry: { 'browser/widget': 'web-component/browser.ts' },
    tsconfig: 'web-component/tsconfig.json',
    format: ['esm'],
    target: 'es2021',
    platform: 'browser',
    noExternal: [/.*/],
    minify: true,
    treeshake: true,
    outExtension: () => ({ js: '.js' }),
  },
]);
