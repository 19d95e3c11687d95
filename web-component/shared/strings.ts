/** Languages already reported as missing, so each is said once per page. */
const reported = new Set<string>();

/**
 * The strings of `lang` from `tables` (`es-MX` → `es`; an unknown language → the first table,
 * English, said once in the console on behalf of `element` unless it is empty), with each override that fits taken over its key: an
 * override that is missing, or of another kind than the string it replaces (text for a function),
 * leaves that key to the built-in string.
 */
export function resolveStringTable<T extends object>(
  element: string,
  tables: Record<string, T>,
  lang: string | undefined,
  overrides: Partial<T> | undefined,
): T {
  const code = languageCode(lang);
  let table = tables[code];
  if (!table) {
    table = Object.values(tables)[0]!;
    if (element && code && !reported.has(`${element}:${code}`)) {
      reported.add(`${element}:${code}`);
      console.warn(`parley-chat: <${element}> has no built-in strings for lang="${lang}" (only ${Object.keys(tables).join(', ')}): English fills what your strings leave out.`);
    }
  }
  const merged = { ...table } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (key in merged && typeof value === typeof merged[key]) merged[key] = value;
  }
  return merged as T;
}

/** The language of a `lang` attribute, as the built-in strings are keyed: `es-MX` → `es`. */
export function languageCode(lang: string | undefined): string {
  return (lang ?? '').toLowerCase().split('-')[0]!;
}
