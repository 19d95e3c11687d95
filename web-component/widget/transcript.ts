import type { ChatMessage } from '../../src/protocol.js';
import type { PrivacyStrings } from './privacy-strings.js';

// "Download this conversation" as text, free of the DOM (chat-privacy.ts makes the file of it).

/** `[2026-12-06 21:05]`: the visitor's own clock, as a reader of the file expects. */
export function stamp(iso: string): string {
  const at = new Date(iso);
  const two = (part: number) => String(part).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}`;
}

/**
 * A conversation as plain text: `heading`, then a line per message (`[2026-12-06 21:05] Name:
 * text`, later lines of a message indented), its files' names under it, and "(message deleted)"
 * where one was erased. `ownId` is the visitor's sender id: their messages say `text.you`.
 */
export function transcriptOf(messages: readonly ChatMessage[], ownId: string | undefined, heading: string, text: PrivacyStrings & { you: string }): string {
  const lines = [heading, ''];
  for (const message of messages) {
    const at = `[${stamp(message.timestamp)}]`;
    if (message.erased) {
      lines.push(`${at} ${text.transcriptDeleted}`);
      continue;
    }
    const name = message.sender.id === ownId ? text.you : message.sender.name;
    lines.push(`${at} ${name}:${message.message ? ` ${message.message.replace(/\r?\n/g, '\n    ')}` : ''}`);
    if (message.files?.length) lines.push(`    ${text.transcriptFiles(message.files.map((file) => file.name).join(', '))}`);
  }
  return `${lines.join('\n')}\n`;
}
