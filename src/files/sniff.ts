import { Transform } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { ChatError } from '../server/errors.js';

/** How much of a file is read to tell its type: what file-type needs for every type it knows. */
export const SNIFF_BYTES = 4100;

const TEXT_TYPES = new Set(['text/plain', 'text/csv']);
// Markup that a browser could render as a page or run: never taken as text, whatever it is named.
const MARKUP = /^(?:\uFEFF)?\s*<(?:\?xml|!doctype|!--|html|head|body|svg|script|iframe|object|embed|math|xsl)\b/i;
const MARKUP_ANYWHERE = /<(?:svg|script|html|iframe)\b/i;
// Text is printable: no control characters but tab, line feed, form feed and carriage return.
const CONTROL = /[\u0000-\u0008\u000B\u000E-\u001F\u007F]/;

/**
 * The file's media type, from its first bytes (`head`, up to SNIFF_BYTES, or the whole file),
 * never from its name or the client's header: those only choose between text types. Refuses
 * (VALIDATION) what is not in `types`, markup, and content that is none of them.
 */
export async function sniffType(head: Uint8Array, name: string, declared: string, types: readonly string[]): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) {
    if (types.includes(detected.mime)) return detected.mime;
    throw new ChatError('VALIDATION', `Files of this kind (${detected.mime}) are not accepted here`);
  }
  const text = decodeText(head);
  if (text === null) throw new ChatError('VALIDATION', 'The file is not of a kind accepted here');
  if (MARKUP.test(text) || MARKUP_ANYWHERE.test(text)) throw new ChatError('VALIDATION', 'HTML, SVG and XML files are not accepted');
  const type = /\.csv$/i.test(name) || declared === 'text/csv' ? 'text/csv' : 'text/plain';
  if (types.includes(type)) return type;
  const otherText = types.find((candidate) => TEXT_TYPES.has(candidate));
  if (otherText) return otherText;
  throw new ChatError('VALIDATION', 'Text files are not accepted here');
}

/** The head as text, when it is UTF-8 without control characters (a character cut at the end is fine). */
function decodeText(head: Uint8Array): string | null {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return CONTROL.test(text) ? null : text;
  } catch {
    return null;
  }
}

/** A file's name as shown: no path, no control characters, at most 200 characters. */
export function cleanFileName(name: string | undefined): string {
  const base = String(name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '')
    .trim();
  // By code point, so that a character is never cut in half.
  const short = Array.from(cleaned).slice(0, 200).join('');
  return short && short !== '.' && short !== '..' ? short : 'file';
}

const EXTENSIONS: Record<string, readonly string[]> = {
  'image/png': ['.png'],
  'image/jpeg': ['.jpg', '.jpeg', '.jfif'],
  'image/gif': ['.gif'],
  'image/webp': ['.webp'],
  'image/avif': ['.avif'],
  'application/pdf': ['.pdf'],
  'application/zip': ['.zip'],
  'text/plain': ['.txt', '.text', '.log', '.md'],
  'text/csv': ['.csv'],
};

/** `name` with an extension its type has: `invoice.exe` holding text becomes `invoice.exe.txt`. */
export function withExtensionOf(type: string, name: string): string {
  const extensions = EXTENSIONS[type];
  if (!extensions || extensions.some((extension) => name.toLowerCase().endsWith(extension))) return name;
  return `${name}${extensions[0]}`;
}

/**
 * Passes text on while it stays text: UTF-8, no control characters, no markup, across chunk
 * boundaries too; otherwise fails with VALIDATION (and tells `refused`, so the answer is that).
 */
export function textGuard(refused: (error: ChatError) => void): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // The end of the last chunk, so markup cut in two by a boundary is still seen.
  let tail = '';
  const check = (text: string) => {
    const seen = tail + text;
    tail = seen.slice(-16);
    if (CONTROL.test(text)) throw new ChatError('VALIDATION', 'The file is not text throughout');
    if (MARKUP_ANYWHERE.test(seen)) throw new ChatError('VALIDATION', 'HTML, SVG and XML files are not accepted');
  };
  const fail = (error: unknown, done: (error?: Error | null) => void) => {
    const refusal = error instanceof ChatError ? error : new ChatError('VALIDATION', 'The file is not text throughout', { cause: error });
    refused(refusal);
    done(refusal);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        check(decoder.decode(chunk, { stream: true }));
        done(null, chunk);
      } catch (error) {
        fail(error, done);
      }
    },
    flush(done) {
      try {
        check(decoder.decode());
        done();
      } catch (error) {
        fail(error, done);
      }
    },
  });
}
