import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The browser bundle the build puts in the package, which the adapters serve at `<base>/widget.js`. */
export function widgetBundlePath(): string {
  const path = fileURLToPath(new URL('../../dist/browser/widget.js', import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` (npm test builds it first)`);
  return path;
}
