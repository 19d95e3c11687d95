/**
 * The strings of files in the chat, the same in the widget and the inbox; replace any of them
 * through the element's `strings`. The widget loads them with its file view (chat-files.js).
 */
export interface FileStrings {
  /** The paperclip button. */
  attach: string;
  /** The files attached to the message being written. */
  attachments: string;
  /** Takes a file off the message being written. */
  removeFile: (name: string) => string;
  /** Opens an image of the thread in the viewer. */
  viewImage: (name: string) => string;
  download: string;
  /** Closes the image viewer. */
  closeViewer: string;
  /** The progress bar of a file on its way. */
  uploading: (name: string) => string;
  cancelUpload: string;
  /** The panel while files are dragged over it. */
  dropFiles: string;
  /** A file over the chat's size limit: `max` is the limit, written as a size ("10 MB"). */
  fileTooLarge: (name: string, max: string) => string;
  /** More files than one message takes. */
  tooManyFiles: (max: number) => string;
  /** A file of a type the chat does not take. */
  fileTypeRefused: (name: string) => string;
  /** A file of an unsent message that neither the page nor the browser kept across a reload. */
  fileLost: (name: string) => string;
  /** Puts an unsent message with a lost file back in the composer and opens the file picker. */
  chooseAgain: string;
}

export const FILE_STRINGS: FileStrings = {
  attach: 'Attach files',
  attachments: 'Files to send',
  removeFile: (name) => `Remove ${name}`,
  viewImage: (name) => `View ${name}`,
  download: 'Download',
  closeViewer: 'Close',
  uploading: (name) => `Uploading ${name}`,
  cancelUpload: 'Cancel',
  dropFiles: 'Drop files to attach them',
  fileTooLarge: (name, max) => `${name} is too large: files can be up to ${max}.`,
  tooManyFiles: (max) => `You can send up to ${max} files in one message.`,
  fileTypeRefused: (name) => `${name} is a type of file the chat does not take.`,
  fileLost: (name) => `${name} was not kept after the page reloaded: choose it again.`,
  chooseAgain: 'Choose again',
};
