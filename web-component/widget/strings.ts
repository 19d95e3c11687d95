/** Every piece of text the widget shows or announces; replace any of them through `strings`. */
export interface ChatStrings {
  heading: string;
  openChat: string;
  closeChat: string;
  /** The launcher's label while the window is open. */
  hideChat: string;
  unread: (count: number) => string;
  online: (count: number) => string;
  connecting: string;
  connected: string;
  offline: string;
  messages: string;
  messageLabel: string;
  placeholder: string;
  send: string;
  sending: string;
  sent: string;
  failed: string;
  retry: string;
  loadOlder: string;
  you: string;
  typing: (names: string[]) => string;
  detailsTitle: string;
  detailsIntro: string;
  detailsRequired: string;
  name: string;
  email: string;
  phone: string;
  phoneHint: string;
  saveDetails: string;
  addDetails: string;
  editDetails: string;
  cancel: string;
  detailsSaved: string;
  /** Support conversations: an operator of the inbox is online. */
  teamOnline: string;
  /** Support conversations: nobody of the team is online. */
  teamAway: string;
  /** On the visitor's own message once the team read it. */
  seen: string;
  resolved: string;
}

const en: ChatStrings = {
  heading: 'Chat with us',
  openChat: 'Open chat',
  closeChat: 'Close chat',
  hideChat: 'Hide chat',
  unread: (count) => `${count} unread ${count === 1 ? 'message' : 'messages'}`,
  online: (count) => `${count} online`,
  connecting: 'Connecting…',
  connected: 'Connected',
  offline: 'Offline, reconnecting…',
  messages: 'Messages',
  messageLabel: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not sent',
  retry: 'Retry',
  loadOlder: 'Load older messages',
  you: 'You',
  typing: (names) => (names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`),
  detailsTitle: 'Your details',
  detailsIntro: 'So we can get back to you.',
  detailsRequired: 'Please give your details before your first message.',
  name: 'Name',
  email: 'Email',
  phone: 'Phone (optional)',
  phoneHint: 'With country code, e.g. +44 20 7946 0958',
  saveDetails: 'Save details',
  addDetails: 'Add your details',
  editDetails: 'Your details',
  cancel: 'Cancel',
  detailsSaved: 'Details saved.',
  teamOnline: 'We typically reply in a few minutes',
  teamAway: "We're away — leave your email and we'll reply",
  seen: 'Seen',
  resolved: 'This conversation was resolved. Write again to reopen it.',
};

const es: ChatStrings = {
  heading: 'Chatea con nosotros',
  openChat: 'Abrir chat',
  closeChat: 'Cerrar chat',
  hideChat: 'Ocultar chat',
  unread: (count) => `${count} ${count === 1 ? 'mensaje sin leer' : 'mensajes sin leer'}`,
  online: (count) => `${count} en línea`,
  connecting: 'Conectando…',
  connected: 'Conectado',
  offline: 'Sin conexión, reconectando…',
  messages: 'Mensajes',
  messageLabel: 'Mensaje',
  placeholder: 'Escribe un mensaje…',
  send: 'Enviar',
  sending: 'Enviando…',
  sent: 'Enviado',
  failed: 'No enviado',
  retry: 'Reintentar',
  loadOlder: 'Cargar mensajes anteriores',
  you: 'Tú',
  typing: (names) => (names.length === 1 ? `${names[0]} está escribiendo…` : `${names.join(', ')} están escribiendo…`),
  detailsTitle: 'Tus datos',
  detailsIntro: 'Para poder responderte.',
  detailsRequired: 'Indica tus datos antes de tu primer mensaje.',
  name: 'Nombre',
  email: 'Correo electrónico',
  phone: 'Teléfono (opcional)',
  phoneHint: 'Con prefijo de país, p. ej. +34 912 345 678',
  saveDetails: 'Guardar datos',
  addDetails: 'Añadir tus datos',
  editDetails: 'Tus datos',
  cancel: 'Cancelar',
  detailsSaved: 'Datos guardados.',
  teamOnline: 'Solemos responder en pocos minutos',
  teamAway: 'Ahora no estamos — déjanos tu correo y te responderemos',
  seen: 'Visto',
  resolved: 'Esta conversación está resuelta. Escribe de nuevo para reabrirla.',
};

const BUILT_IN: Record<string, ChatStrings> = { en, es };

/** Strings for `lang` (`es`, `es-MX` → `es`; unknown → English) with `overrides` on top. */
export function resolveStrings(lang: string | undefined, overrides: Partial<ChatStrings> = {}): ChatStrings {
  const base = BUILT_IN[(lang ?? '').toLowerCase().split('-')[0]!] ?? en;
  return { ...base, ...overrides };
}
