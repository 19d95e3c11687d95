import { resolveStringTable } from '../shared/strings.js';

/**
 * The launcher's own strings: all the page carries before the chat window loads (its strings,
 * strings.ts, build on these). Replace them through the widget's `strings` like any other.
 */
export interface LauncherStrings {
  openChat: string;
  /** The launcher's label while the window is open. */
  hideChat: string;
  unread: (count: number) => string;
}

/** By language, English first (the fallback). */
export const LAUNCHER_STRINGS: Record<string, LauncherStrings> = {
  en: {
    openChat: 'Open chat',
    hideChat: 'Hide chat',
    unread: (count) => `${count} unread ${count === 1 ? 'message' : 'messages'}`,
  },
  es: {
    openChat: 'Abrir chat',
    hideChat: 'Ocultar chat',
    unread: (count) => `${count} ${count === 1 ? 'mensaje sin leer' : 'mensajes sin leer'}`,
  },
};

/** The launcher's strings for `lang`, saying once in the console when the language is not built in. */
export function resolveLauncherStrings(lang: string, overrides: Partial<LauncherStrings>): LauncherStrings {
  return resolveStringTable('chat-widget', LAUNCHER_STRINGS, lang, overrides);
}
