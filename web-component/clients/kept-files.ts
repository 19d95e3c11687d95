// The files of unsent messages, kept in IndexedDB so that a reload loses no attachment: the outbox
// (in localStorage) holds only their names and keys. Where IndexedDB is missing or refuses
// (privacy modes, a sandboxed frame, a full disk) nothing is kept, and a file that was not sent
// before a reload must be chosen again; the view says so.

const DATABASE = 'parley-chat-files';
const STORE = 'files';

/** The kept files of one outbox, under `<outbox key> <file key>`. */
export interface KeptFiles {
  put(key: string, file: Blob): Promise<void>;
  get(key: string): Promise<Blob | undefined>;
  /** Forgets these files. */
  forget(keys: readonly string[]): Promise<void>;
  /** Forgets every file of this outbox whose key is not in `keep`. */
  sweep(keep: ReadonlySet<string>): Promise<void>;
}

/** Opens the kept files of the outbox stored under `outboxKey`; resolves undefined where the browser keeps none. */
export async function openKeptFiles(outboxKey: string): Promise<KeptFiles | undefined> {
  const database = await openDatabase().catch(() => undefined);
  if (!database) return undefined;
  const prefix = `${outboxKey} `;
  const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  const run = <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> =>
    new Promise((resolve) => {
      try {
        const request = act(database.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(undefined);
      } catch {
        resolve(undefined);
      }
    });
  return {
    put: async (key, file) => {
      await run('readwrite', (store) => store.put(file, prefix + key));
    },
    get: async (key) => {
      const found = await run('readonly', (store) => store.get(prefix + key));
      return found instanceof Blob ? found : undefined;
    },
    forget: async (keys) => {
      await Promise.all(keys.map((key) => run('readwrite', (store) => store.delete(prefix + key))));
    },
    sweep: async (keep) => {
      const keys = (await run('readonly', (store) => store.getAllKeys(range))) ?? [];
      const gone = keys.map(String).filter((key) => !keep.has(key.slice(prefix.length)));
      if (gone.length) await Promise.all(gone.map((key) => run('readwrite', (store) => store.delete(key))));
    },
  };
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = globalThis.indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('blocked'));
  });
}
