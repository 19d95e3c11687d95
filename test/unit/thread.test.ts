import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from 'parley-chat';
import { Thread, type ThreadPage } from '../../web-component/clients/thread.js';

const message = (seq: number): ChatMessage => ({
  id: `m${seq}`,
  room: 'r',
  seq,
  sender: { id: 'v_other', name: 'Other', role: 'visitor' },
  message: `#${seq}`,
  timestamp: new Date().toISOString(),
  clientId: `c${seq}`,
});

/** A thread whose catch-ups the test answers, page by page. */
function thread(pages: Array<(since: number | undefined) => ThreadPage>) {
  const asked: Array<number | undefined> = [];
  const subject = new Thread({
    fetch: async (since) => {
      asked.push(since);
      return pages.shift()?.(since);
    },
    fetchOlder: async () => undefined,
    ownSenderId: () => 'v_me',
    arrived: () => undefined,
    failed: () => undefined,
    change: () => undefined,
  });
  return { subject, asked };
}

describe('Thread', () => {
  afterEach(() => void vi.useRealTimers());

  it('accepts a hole only below the seq the server says is settled, and asks again until it is', async () => {
    vi.useFakeTimers();
    const { subject, asked } = thread([
      () => ({ messages: [message(1), message(2)], hasMore: false }),
      // Seq 3 is missing and may still be on its way: settled only to 2.
      () => ({ messages: [message(4)], hasMore: false, settledSeq: 2 }),
      () => ({ messages: [message(4)], hasMore: false, settledSeq: 2 }),
      // Now it is settled: 3 was burnt.
      () => ({ messages: [message(4)], hasMore: false, settledSeq: 4 }),
    ]);
    await subject.catchUp();
    subject.receive(message(4));
    expect(subject.messages.contiguousSeq).toBe(2);
    await vi.advanceTimersByTimeAsync(600);
    expect(asked).toEqual([undefined, 2]);
    expect(subject.messages.contiguousSeq).toBe(2);
    // Still unsettled: the next repair waits longer than the first.
    await vi.advanceTimersByTimeAsync(600);
    expect(asked).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(600);
    expect(asked).toEqual([undefined, 2, 2]);
    await vi.advanceTimersByTimeAsync(2500);
    expect(asked).toEqual([undefined, 2, 2, 2]);
    expect(subject.messages.contiguousSeq).toBe(4);
    expect(subject.messages.messages.map((m) => m.seq)).toEqual([1, 2, 4]);
  });

  it('takes a hole the missing message fills as soon as it arrives', async () => {
    vi.useFakeTimers();
    const { subject, asked } = thread([() => ({ messages: [message(1)], hasMore: false })]);
    await subject.catchUp();
    subject.receive(message(3));
    subject.receive(message(2));
    expect(subject.messages.contiguousSeq).toBe(3);
    await vi.advanceTimersByTimeAsync(2000);
    expect(asked).toEqual([undefined]);
  });
});
