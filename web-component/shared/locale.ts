/** The page's `lang` as `Intl` takes it, or the browser's own when it is not a valid language tag (`en_US`). */
export function safeLocale(lang: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(lang || [])[0];
  } catch {
    return undefined;
  }
}
