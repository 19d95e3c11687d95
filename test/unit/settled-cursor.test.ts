import { describe, expect, it } from 'vitest';
import type { ConversationRecord } from 'parley-chat';
import { versionAt } from '../../src/stores/conversation-rules.js';
import { settledCursor } from '../../src/conversations/views.js';

const SETTLE_MS = 10_000;
const record = (agoMs: number) => ({ version: versionAt(Date.now() - agoMs) }) as ConversationRecord;

describe('settledCursor', () => {
  it('moves to where every change has surely landed, never past a change that may still be on its way', () => {
    const cursor = settledCursor([record(60_000), record(30_000), record(100)], 5, false, SETTLE_MS);
    // Past the settled changes, short of the recent one, which the next catch-up sends again.
    expect(cursor).toBeGreaterThan(record(30_000).version);
    expect(cursor).toBeLessThan(record(SETTLE_MS - 1000).version);
    expect(cursor).toBeGreaterThan(record(SETTLE_MS + 1000).version);
  });

  it('advances when there are only recent changes, and when nothing changed', () => {
    expect(settledCursor([record(100)], 12, false, SETTLE_MS)).toBeGreaterThan(record(SETTLE_MS + 1000).version);
    expect(settledCursor([], 7, false, SETTLE_MS)).toBeGreaterThan(record(SETTLE_MS + 1000).version);
  });

  it('never goes back, and stops at the end of a page when more pages follow', () => {
    const ahead = record(-60_000).version;
    expect(settledCursor([], ahead, false, SETTLE_MS)).toBe(ahead);
    const page = [record(60_000), record(50_000)];
    expect(settledCursor(page, 5, true, SETTLE_MS)).toBe(page[1]!.version);
  });
});
