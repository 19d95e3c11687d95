import { defineConfig } from 'tsup';

// ESM only: Node >= 20.19 can also require() it, and every entry shares one copy of the core
// (code splitting), so a ChatError from any subpath is the same class.
export default defineConfig({
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
  clean: true,
  treeshake: true,
});
