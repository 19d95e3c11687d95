import type { ErasedCounts } from '../../src/protocol.js';
import { FILE_STRINGS, type FileStrings } from '../shared/file-strings.js';
import { FILE_STRINGS_ES } from '../shared/file-strings-es.js';
import { resolveStringTable } from '../shared/strings.js';

/** Every piece of text the inbox shows or announces (files' too); replace any of them through `strings`. */
export interface InboxStrings extends FileStrings {
  heading: string;
  connecting: string;
  connected: string;
  offline: string;
  filters: string;
  mine: string;
  unassigned: string;
  open: string;
  resolved: string;
  conversations: string;
  empty: string;
  loadMore: string;
  choose: string;
  back: string;
  /** How long a visitor has waited, e.g. "waiting 5 min". */
  waiting: (minutes: number) => string;
  unread: (count: number) => string;
  onlineNow: string;
  lastSeen: (time: string) => string;
  offlineVisitor: string;
  email: string;
  phone: string;
  none: string;
  assignedTo: (name: string) => string;
  assignedToYou: string;
  nobodyAssigned: string;
  take: string;
  assignTo: string;
  release: string;
  resolve: string;
  reopen: string;
  messages: string;
  loadOlder: string;
  reply: string;
  replyPlaceholder: string;
  notePlaceholder: string;
  note: string;
  noteLabel: string;
  send: string;
  sending: string;
  failed: string;
  retry: string;
  seen: string;
  you: string;
  typing: (name: string) => string;
  notifications: string;
  notificationsOn: string;
  newMessage: (name: string) => string;
  /** The inbox refused this page's session: the operator is signed out. */
  signedOut: string;
  signInAgain: string;
  /** The tab of the conversations the assistant answers. */
  assistantTab: string;
  /** In a conversation the assistant answers: `name` is the assistant's. */
  assistantAnswers: (name: string) => string;
  /** Takes a conversation from the assistant. */
  takeOver: string;
  /** Why the assistant handed the conversation to the team. */
  handedOver: (reason: string) => string;
  /** Beside the assistant's name on its messages. */
  assistantBadge: string;
  /** Above a reply's citations. */
  sources: string;
  /** Under a reply that stopped before it ended. */
  stopped: string;
  /** Where an erased message was (a tombstone). */
  messageDeleted: string;
  /** The open conversation was deleted, here or elsewhere. */
  conversationDeleted: (name: string) => string;
  /** The label of the privacy actions, for operators granted `can: ['privacy']`. */
  visitorData: string;
  exportVisitor: string;
  exporting: (name: string) => string;
  /** The export was saved as `fileName`. */
  exported: (fileName: string) => string;
  exportFailed: (reason: string) => string;
  eraseVisitor: string;
  /** The erase dialog's heading. */
  eraseTitle: (name: string) => string;
  eraseWarning: (name: string) => string;
  /** Above the choice of what becomes of the conversations. */
  eraseChoice: string;
  eraseDelete: string;
  eraseAnonymize: string;
  cancel: string;
  /** Confirms the erase. */
  erase: string;
  erasing: (name: string) => string;
  /** What the erase removed. */
  erased: (counts: ErasedCounts) => string;
  eraseFailed: (reason: string) => string;
  /** Why an export or erase failed when the chat gave no answer. */
  noAnswer: string;
  /** The saved replies: the button that manages them, its dialog, and the composer's `/` list. */
  savedReplies: string;
  /** Under the `/` list when nothing matches what was typed after it. */
  noReplyMatches: (query: string) => string;
  repliesLoading: string;
  repliesEmpty: string;
  /** The management dialog's groups: the operator's own replies, and the team's. */
  repliesYours: string;
  repliesTeam: string;
  /** Beside the team's replies for an operator who may not change them. */
  repliesReadOnly: string;
  newReply: string;
  editingReply: (shortcut: string) => string;
  replyShortcut: string;
  replyShortcutHint: string;
  replyText: string;
  replyTextHint: string;
  replyScope: string;
  scopePersonal: string;
  scopeTeam: string;
  scopeInbox: (inbox: string) => string;
  addReply: string;
  saveReply: string;
  edit: string;
  editReply: (shortcut: string) => string;
  remove: string;
  removeReply: (shortcut: string) => string;
  close: string;
  replySaved: (shortcut: string) => string;
  replyRemoved: (shortcut: string) => string;
  replyFailed: (reason: string) => string;
  /** The list pane's search. */
  search: string;
  searchLabel: string;
  searchPlaceholder: string;
  searchStatus: string;
  anyStatus: string;
  searching: string;
  searchResults: string;
  /** How many conversations the search found so far, and whether more may be loaded. */
  searchFound: (count: number, more: boolean) => string;
  searchEmpty: string;
  searchFailed: (reason: string) => string;
  clearSearch: string;
  /** Resolves without asking the visitor to rate it (with ratings on). */
  resolveWithoutRating: string;
  /** The accessible label of a rating, e.g. "Rated 4 out of 5". */
  rated: (score: number) => string;
}

/** "1 message", "12 messages": the words of the English and Spanish tables both take an -s. */
function counted(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

const en: InboxStrings = {
  heading: 'Inbox',
  connecting: 'Connecting…',
  connected: 'Connected',
  offline: 'Offline, reconnecting…',
  filters: 'Show',
  mine: 'Mine',
  unassigned: 'Unassigned',
  open: 'Open',
  resolved: 'Resolved',
  conversations: 'Conversations',
  empty: 'No conversations here.',
  loadMore: 'Load more',
  choose: 'Choose a conversation to read it.',
  back: 'Back to conversations',
  waiting: (minutes) => (minutes < 1 ? 'waiting now' : minutes < 60 ? `waiting ${minutes} min` : `waiting ${Math.floor(minutes / 60)} h`),
  unread: (count) => `${count} unread`,
  onlineNow: 'Online now',
  lastSeen: (time) => `Last seen ${time}`,
  offlineVisitor: 'Offline',
  email: 'Email',
  phone: 'Phone',
  none: '—',
  assignedTo: (name) => `Assigned to ${name}`,
  assignedToYou: 'Assigned to you',
  nobodyAssigned: 'Unassigned',
  take: 'Take',
  assignTo: 'Assign to',
  release: 'Release',
  resolve: 'Resolve',
  reopen: 'Reopen',
  messages: 'Messages',
  loadOlder: 'Load older messages',
  reply: 'Reply',
  replyPlaceholder: 'Write a reply…',
  notePlaceholder: 'Write a note: only your team sees it…',
  note: 'Note',
  noteLabel: 'Note for the team',
  send: 'Send',
  sending: 'Sending…',
  failed: 'Not sent',
  retry: 'Retry',
  seen: 'Seen',
  you: 'You',
  typing: (name) => `${name} is typing…`,
  notifications: 'Desktop notifications',
  notificationsOn: 'Desktop notifications on',
  newMessage: (name) => `New message from ${name}`,
  signedOut: 'You are signed out, so new messages cannot reach you here.',
  signInAgain: 'Sign in again',
  assistantTab: 'Assistant',
  assistantAnswers: (name) => `${name} answers this conversation`,
  takeOver: 'Take over',
  handedOver: (reason) =>
    `Handed to the team: ${
      { visitor: 'the visitor asked for a person', error: 'the assistant failed', timeout: 'the assistant took too long', limit: 'too many replies' }[reason] ?? reason
    }`,
  assistantBadge: 'AI',
  sources: 'Sources',
  stopped: 'Stopped',
  messageDeleted: 'Message deleted',
  conversationDeleted: (name) => `The conversation with ${name} was deleted.`,
  visitorData: "Visitor's data",
  exportVisitor: 'Export visitor data',
  exporting: (name) => `Exporting the data of ${name}…`,
  exported: (fileName) => `Downloaded ${fileName}`,
  exportFailed: (reason) => `Could not export the data: ${reason}`,
  eraseVisitor: 'Erase visitor',
  eraseTitle: (name) => `Erase ${name}?`,
  eraseWarning: (name) =>
    `Everything the chat holds about ${name} is erased, in every inbox: their details, consents, messages and files. This cannot be undone.`,
  eraseChoice: 'Their conversations',
  eraseDelete: 'Delete their conversations',
  eraseAnonymize: 'Keep the conversations, anonymised',
  cancel: 'Cancel',
  erase: 'Erase',
  erasing: (name) => `Erasing ${name}…`,
  erased: (counts) =>
    `Erased: ${counted(counts.messages, 'message', 'messages')}, ${counted(counts.conversations, 'conversation', 'conversations')}, ${counted(counts.files, 'file', 'files')}`,
  eraseFailed: (reason) => `Could not erase: ${reason}`,
  noAnswer: 'the chat did not answer; try again',
  savedReplies: 'Saved replies',
  noReplyMatches: (query) => `No saved reply matches /${query}`,
  repliesLoading: 'Loading saved replies…',
  repliesEmpty: 'No saved replies yet.',
  repliesYours: 'Yours',
  repliesTeam: 'The team’s',
  repliesReadOnly: 'Only team leads change these.',
  newReply: 'New saved reply',
  editingReply: (shortcut) => `Editing /${shortcut}`,
  replyShortcut: 'Shortcut',
  replyShortcutHint: 'Letters, digits, - and _: type / and the shortcut in a reply.',
  replyText: 'Text',
  replyTextHint: '{{visitor.name}} and {{operator.name}} are filled in with the names.',
  replyScope: 'Who uses it',
  scopePersonal: 'Only me',
  scopeTeam: 'The team, in every inbox',
  scopeInbox: (inbox) => `The team, in ${inbox}`,
  addReply: 'Add reply',
  saveReply: 'Save changes',
  edit: 'Edit',
  editReply: (shortcut) => `Edit /${shortcut}`,
  remove: 'Remove',
  removeReply: (shortcut) => `Remove /${shortcut}`,
  close: 'Close',
  replySaved: (shortcut) => `Saved /${shortcut}`,
  replyRemoved: (shortcut) => `Removed /${shortcut}`,
  replyFailed: (reason) => `Could not save: ${reason}`,
  search: 'Search',
  searchLabel: 'Search conversations',
  searchPlaceholder: 'Messages, names, emails…',
  searchStatus: 'Status',
  anyStatus: 'Any',
  searching: 'Searching…',
  searchResults: 'Search results',
  searchFound: (count, more) => `${count}${more ? '+' : ''} ${count === 1 && !more ? 'conversation' : 'conversations'} found`,
  searchEmpty: 'Nothing found.',
  searchFailed: (reason) => `Could not search: ${reason}`,
  clearSearch: 'Clear search',
  resolveWithoutRating: 'Resolve without rating',
  rated: (score) => `Rated ${score} out of 5`,
  ...FILE_STRINGS,
};

const es: InboxStrings = {
  heading: 'Bandeja',
  connecting: 'Conectando…',
  connected: 'Conectado',
  offline: 'Sin conexión, reconectando…',
  filters: 'Mostrar',
  mine: 'Mías',
  unassigned: 'Sin asignar',
  open: 'Abiertas',
  resolved: 'Resueltas',
  conversations: 'Conversaciones',
  empty: 'No hay conversaciones aquí.',
  loadMore: 'Cargar más',
  choose: 'Elige una conversación para leerla.',
  back: 'Volver a las conversaciones',
  waiting: (minutes) => (minutes < 1 ? 'esperando ahora' : minutes < 60 ? `esperando ${minutes} min` : `esperando ${Math.floor(minutes / 60)} h`),
  unread: (count) => `${count} sin leer`,
  onlineNow: 'En línea',
  lastSeen: (time) => `Visto por última vez ${time}`,
  offlineVisitor: 'Desconectado',
  email: 'Correo',
  phone: 'Teléfono',
  none: '—',
  assignedTo: (name) => `Asignada a ${name}`,
  assignedToYou: 'Asignada a ti',
  nobodyAssigned: 'Sin asignar',
  take: 'Tomar',
  assignTo: 'Asignar a',
  release: 'Soltar',
  resolve: 'Resolver',
  reopen: 'Reabrir',
  messages: 'Mensajes',
  loadOlder: 'Cargar mensajes anteriores',
  reply: 'Respuesta',
  replyPlaceholder: 'Escribe una respuesta…',
  notePlaceholder: 'Escribe una nota: solo la ve tu equipo…',
  note: 'Nota',
  noteLabel: 'Nota para el equipo',
  send: 'Enviar',
  sending: 'Enviando…',
  failed: 'No enviado',
  retry: 'Reintentar',
  seen: 'Visto',
  you: 'Tú',
  typing: (name) => `${name} está escribiendo…`,
  notifications: 'Notificaciones de escritorio',
  notificationsOn: 'Notificaciones de escritorio activadas',
  newMessage: (name) => `Nuevo mensaje de ${name}`,
  signedOut: 'Has cerrado la sesión: los mensajes nuevos no pueden llegarte aquí.',
  signInAgain: 'Volver a iniciar sesión',
  assistantTab: 'Asistente',
  assistantAnswers: (name) => `${name} responde esta conversación`,
  takeOver: 'Tomar el relevo',
  handedOver: (reason) =>
    `Pasada al equipo: ${
      { visitor: 'el visitante pidió una persona', error: 'el asistente falló', timeout: 'el asistente tardó demasiado', limit: 'demasiadas respuestas' }[reason] ?? reason
    }`,
  assistantBadge: 'IA',
  sources: 'Fuentes',
  stopped: 'Interrumpida',
  messageDeleted: 'Mensaje eliminado',
  conversationDeleted: (name) => `Se eliminó la conversación con ${name}.`,
  visitorData: 'Datos del visitante',
  exportVisitor: 'Exportar datos del visitante',
  exporting: (name) => `Exportando los datos de ${name}…`,
  exported: (fileName) => `Descargado ${fileName}`,
  exportFailed: (reason) => `No se pudieron exportar los datos: ${reason}`,
  eraseVisitor: 'Borrar visitante',
  eraseTitle: (name) => `¿Borrar a ${name}?`,
  eraseWarning: (name) =>
    `Se borra todo lo que el chat guarda de ${name}, en todas las bandejas: sus datos, consentimientos, mensajes y archivos. No se puede deshacer.`,
  eraseChoice: 'Sus conversaciones',
  eraseDelete: 'Eliminar sus conversaciones',
  eraseAnonymize: 'Conservar las conversaciones, anonimizadas',
  cancel: 'Cancelar',
  erase: 'Borrar',
  erasing: (name) => `Borrando a ${name}…`,
  erased: (counts) =>
    `Borrado: ${counted(counts.messages, 'mensaje', 'mensajes')}, ${counted(counts.conversations, 'conversación', 'conversaciones')}, ${counted(counts.files, 'archivo', 'archivos')}`,
  eraseFailed: (reason) => `No se pudo borrar: ${reason}`,
  noAnswer: 'el chat no respondió; inténtalo de nuevo',
  savedReplies: 'Respuestas guardadas',
  noReplyMatches: (query) => `Ninguna respuesta guardada coincide con /${query}`,
  repliesLoading: 'Cargando respuestas guardadas…',
  repliesEmpty: 'Aún no hay respuestas guardadas.',
  repliesYours: 'Tuyas',
  repliesTeam: 'Del equipo',
  repliesReadOnly: 'Solo los responsables del equipo las cambian.',
  newReply: 'Nueva respuesta guardada',
  editingReply: (shortcut) => `Editando /${shortcut}`,
  replyShortcut: 'Atajo',
  replyShortcutHint: 'Letras, dígitos, - y _: escribe / y el atajo en una respuesta.',
  replyText: 'Texto',
  replyTextHint: '{{visitor.name}} y {{operator.name}} se rellenan con los nombres.',
  replyScope: 'Quién la usa',
  scopePersonal: 'Solo yo',
  scopeTeam: 'El equipo, en todas las bandejas',
  scopeInbox: (inbox) => `El equipo, en ${inbox}`,
  addReply: 'Añadir respuesta',
  saveReply: 'Guardar cambios',
  edit: 'Editar',
  editReply: (shortcut) => `Editar /${shortcut}`,
  remove: 'Quitar',
  removeReply: (shortcut) => `Quitar /${shortcut}`,
  close: 'Cerrar',
  replySaved: (shortcut) => `Guardada /${shortcut}`,
  replyRemoved: (shortcut) => `Quitada /${shortcut}`,
  replyFailed: (reason) => `No se pudo guardar: ${reason}`,
  search: 'Buscar',
  searchLabel: 'Buscar conversaciones',
  searchPlaceholder: 'Mensajes, nombres, correos…',
  searchStatus: 'Estado',
  anyStatus: 'Todas',
  searching: 'Buscando…',
  searchResults: 'Resultados de la búsqueda',
  searchFound: (count, more) => `${count}${more ? '+' : ''} ${count === 1 && !more ? 'conversación encontrada' : 'conversaciones encontradas'}`,
  searchEmpty: 'No se encontró nada.',
  searchFailed: (reason) => `No se pudo buscar: ${reason}`,
  clearSearch: 'Borrar la búsqueda',
  resolveWithoutRating: 'Resolver sin valoración',
  rated: (score) => `Valorada con ${score} de 5`,
  ...FILE_STRINGS_ES,
};

/** The built-in strings by language, English first (the fallback). */
export const INBOX_STRINGS: Record<string, InboxStrings> = { en, es };

/**
 * Strings for `lang` (`es-MX` → `es`; unknown → English, said once in the console), each
 * fitting override on top.
 */
export function resolveInboxStrings(lang: string | undefined, overrides?: Partial<InboxStrings>): InboxStrings {
  return resolveStringTable('chat-inbox', INBOX_STRINGS, lang, overrides);
}
