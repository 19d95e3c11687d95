import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RepliesAck, RepliesPayload, SavedReply } from 'parley-chat';
import { fillReply, matchReplies, SavedReplies } from '../../web-component/clients/saved-replies.js';

// The inbox's saved replies, free of the DOM: the variables, the filter of the `/` list, and when
// the lists are read again.

const reply = (shortcut: string, text: string): SavedReply => ({ id: shortcut, shortcut, text, inbox: null, owner: null, updatedAt: new Date(0).toISOString() });

afterEach(() => {
  vi.useRealTimers();
});

describe('saved replies in the inbox', () => {
  it('fills in the visitor’s and the operator’s names, and leaves any other braces as written', () => {
    expect(fillReply('Hi {{visitor.name}}, I am {{ operator.name }}. {{order.id}}', { visitorName: 'Ann', operatorName: 'Olga' })).toBe(
      'Hi Ann, I am Olga. {{order.id}}',
    );
    // A name is put in as it is: no pattern of String.replace applies to it.
    expect(fillReply('Hi {{visitor.name}}', { visitorName: '$& $1', operatorName: '' })).toBe('Hi $& $1');
  });

  it('lists shortcuts that start with what was typed first, then those that contain it in shortcut or text', () => {
    const replies = [reply('refund', 'Refunds take 5 days'), reply('hello', 'Hi there'), reply('prefs', 'Your preferences'), reply('ship', 'We refund shipping')];
    expect(matchReplies(replies, 'REF').map((one) => one.shortcut)).toEqual(['refund', 'prefs', 'ship']);
    expect(matchReplies(replies, '').map((one) => one.shortcut)).toEqual(['hello', 'prefs', 'refund', 'ship']);
  });

  it('reads a list once, again when asked a minute later, and every list after a change', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const asked: RepliesPayload[] = [];
    let stored = [reply('hello', 'Hi')];
    const request = async (payload: RepliesPayload): Promise<RepliesAck> => {
      asked.push(payload);
      if (payload.action === 'save') stored = [...stored, reply(payload.shortcut, payload.text)];
      return { ok: true, replies: stored };
    };
    const replies = new SavedReplies(request, () => {});
    await replies.list('support');
    await replies.list('support');
    expect(asked).toHaveLength(1);
    // Another operator saved one meanwhile; a minute on, the list is read afresh.
    stored = [...stored, reply('bye', 'Bye')];
    vi.setSystemTime(Date.now() + 61_000);
    expect((await replies.list('support'))!.map((one) => one.shortcut)).toEqual(['hello', 'bye']);
    expect(asked).toHaveLength(2);
    await replies.save({ shortcut: 'thanks', text: 'Thanks', scope: { personal: true } });
    expect(asked.at(-1)).toEqual({ action: 'list' });
    expect((await replies.list('support'))!.map((one) => one.shortcut)).toContain('thanks');
  });
});
