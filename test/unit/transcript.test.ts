import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol.js';
import { transcriptOf } from '../../web-component/widget/transcript.js';
import { PRIVACY_STRINGS } from '../../web-component/widget/privacy-strings.js';

// The text file of "Download this conversation": one line per message in the visitor's own clock,
// later lines of a message indented, files named, erased messages as deleted.

const text = { ...PRIVACY_STRINGS, you: 'You' };

/** A message at `hour:minute` local time on 6 December 2026. */
function message(seq: number, hour: number, minute: number, fields: Partial<ChatMessage>): ChatMessage {
  return {
    id: `m${seq}`,
    room: 'support/c1',
    seq,
    sender: { id: 'visitor-1', name: 'Dana', role: 'visitor' },
    message: '',
    timestamp: new Date(2026, 11, 6, hour, minute).toISOString(),
    clientId: `c${seq}`,
    ...fields,
  };
}

describe('transcriptOf', () => {
  it('writes a line per message, the visitor as You, files under their message and erased ones as deleted', () => {
    const file = transcriptOf(
      [
        message(1, 9, 5, { message: 'Hello,\nmy order is late' }),
        message(2, 9, 7, { sender: { id: 'op_1', name: 'Alex', role: 'operator' }, message: 'Let me look' }),
        message(3, 21, 5, { files: [{ id: 'f1', name: 'receipt.pdf', type: 'application/pdf', size: 10, url: '/chat/files/f1' }, { id: 'f2', name: 'box.png', type: 'image/png', size: 20, url: '/chat/files/f2' }] }),
        message(4, 21, 6, { erased: true, sender: { id: 'erased-1', name: '', role: 'visitor' } }),
      ],
      'visitor-1',
      'Chat with Parley Outdoor',
      text,
    );
    expect(file).toBe(
      [
        'Chat with Parley Outdoor',
        '',
        '[2026-12-06 09:05] You: Hello,',
        '    my order is late',
        '[2026-12-06 09:07] Alex: Let me look',
        '[2026-12-06 21:05] You:',
        '    Files: receipt.pdf, box.png',
        '[2026-12-06 21:06] (message deleted)',
        '',
      ].join('\n'),
    );
  });

  it('is text only: markup in a message stays as written', () => {
    expect(transcriptOf([message(1, 10, 0, { message: '<b>hi</b> &amp;' })], 'someone-else', 'Chat', text)).toContain('Dana: <b>hi</b> &amp;');
  });
});
