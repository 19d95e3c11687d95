import { describe, expect, it } from 'vitest';
import type { ConversationRecord } from 'parley-chat';
import { settledCursor } from '../../src/conversations/views.js';

const record = (version: number, agoMs: number) => ({ version, updatedAt: new Date(Date.now() - agoMs) }) as ConversationRecord;

describe('settledCursor', () => {
  it('moves past settled changes only, so a change stored late is never skipped', () => {
    // Version 12 was drawn before 13 but may still be on its way: the cursor stops before 13.
    expect(settledCursor([record(10, 60_000), record(11, 30_000), record(13, 100)], 5, false)).toBe(11);
    expect(settledCursor([record(13, 100)], 12, false)).toBe(12);
    expect(settledCursor([], 7, false)).toBe(7);
  });

  it('moves to the end of a page when more pages follow: the recent changes are not in it', () => {
    expect(settledCursor([record(10, 100), record(11, 50)], 5, true)).toBe(11);
  });
});
