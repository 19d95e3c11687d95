/** What the widget and the inbox show about their connection to the chat. */
export type ConnectionStatus = 'connecting' | 'online' | 'offline';
