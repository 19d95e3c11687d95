import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A browser file the build puts in the package, which the adapters serve at `<base>/<name>`. */
export function browserBundlePath(name: 'widget.js' | 'chat-panel.js' | 'inbox.js'): string {
  const path = fileURLToPath(new URL(`../../dist/browser/${name}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` (npm test builds it first)`);
  return path;
}

/** The widget's launcher, served at `<base>/widget.js`. */
export function widgetBundlePath(): string {
  return browserBundlePath('widget.js');
}
