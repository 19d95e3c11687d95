interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** localStorage (kept across visits) or sessionStorage (this tab, across reloads). */
type StorageArea = 'localStorage' | 'sessionStorage';

/** The page's storage; none on the server (SSR), in Node, or where the browser withholds it. */
const storage = (area: StorageArea): KeyValueStorage | undefined => (globalThis as { [K in StorageArea]?: KeyValueStorage })[area];

/**
 * Storage that may be missing or refuse (privacy modes, quotas, a sandboxed frame): the chat
 * then works for this page only.
 */
export function load<T>(key: string, area: StorageArea = 'localStorage'): T | undefined {
  try {
    const raw = storage(area)?.getItem(key);
    return raw === null || raw === undefined ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

export function save(key: string, value: unknown, area: StorageArea = 'localStorage'): void {
  try {
    storage(area)?.setItem(key, JSON.stringify(value));
  } catch {
    // See load().
  }
}
