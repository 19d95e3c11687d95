// What `npm run demo` builds: only what the demo runs and serves, the server (without its type
// declarations) and the browser files. The entries for bundlers, the declarations and the
// package's checks are `npm run build`'s.
import { defineConfig } from 'tsup';
import { browserFiles, server } from './tsup.config.js';

export default defineConfig([{ ...server, dts: false }, browserFiles]);
