/**
 * What the widget and the inbox show about their connection to the chat: `refused` when the server
 * turned the connection down for good (an origin it does not allow, a failed login), with the
 * reason on the client's `refusal`.
 */
export type ConnectionStatus = 'connecting' | 'online' | 'offline' | 'refused';
