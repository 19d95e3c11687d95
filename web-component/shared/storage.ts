interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The page's localStorage; none on the server (SSR), in Node, or where the browser withholds it. */
const storage = (): KeyValueStorage | undefined => (globalThis as { localStorage?: KeyValueStorage }).localStorage;

/**
 * localStorage that may be missing or refuse (privacy modes, quotas, a sandboxed frame): the chat
 * then works for this page only.
 */
export function load<T>(key: string): T | undefined {
  try {
    const raw = storage()?.getItem(key);
    return raw === null || raw === undefined ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

export function save(key: string, value: unknown): void {
  try {
    storage()?.setItem(key, JSON.stringify(value));
  } catch {
    // See load().
  }
}
