/**
 * The strings of consent to the chat's terms and of the conversation's menu (download, delete);
 * replace any of them through the widget's `strings`. They come with chat-privacy.js.
 */
export interface PrivacyStrings {
  /** Beside the checkbox when the host gave no text of its terms. */
  consentDefault: string;
  /** The checkbox's label. */
  consentLabel: string;
  /** In the header's menu: a text file of the whole conversation. */
  downloadConversation: string;
  /** In the header's menu, when the host lets visitors delete their conversations. */
  deleteConversation: string;
  /** The confirm step before a conversation is deleted. */
  deleteQuestion: string;
  /** The confirm step's button that deletes. */
  deleteConfirm: string;
  /** Said once the conversation was deleted. */
  conversationDeleted: string;
  /** In the thread, where an erased message was. */
  messageDeleted: string;
  /** While the older pages of a download are fetched. */
  preparingDownload: string;
  conversationDownloaded: string;
  /** The chat did not answer (not connected, or too slow). */
  noAnswer: string;
  /** In a downloaded conversation, where an erased message was. */
  transcriptDeleted: string;
  /** In a downloaded conversation, under a message with files: `names` is a list ("a.png, b.pdf"). */
  transcriptFiles: (names: string) => string;
}

export const PRIVACY_STRINGS: PrivacyStrings = {
  consentDefault: 'Please agree to the chat’s terms before you write.',
  consentLabel: 'I agree',
  downloadConversation: 'Download this conversation',
  deleteConversation: 'Delete this conversation',
  deleteQuestion: 'Delete this conversation? Its messages and files go for you and for the team. This cannot be undone.',
  deleteConfirm: 'Delete',
  conversationDeleted: 'Conversation deleted.',
  messageDeleted: 'Message deleted',
  preparingDownload: 'Preparing the download…',
  conversationDownloaded: 'Conversation downloaded.',
  noAnswer: 'The chat did not answer. Try again.',
  transcriptDeleted: '(message deleted)',
  transcriptFiles: (names) => `Files: ${names}`,
};
