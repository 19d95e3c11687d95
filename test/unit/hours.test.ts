import { describe, expect, it } from 'vitest';
import { BusinessHours } from '../../src/assistant/hours.js';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const oslo = new BusinessHours({ timeZone: 'Europe/Oslo', weekly: [{ days: [...weekdays], from: '09:00', to: '17:00' }], closed: ['2026-12-25'] });
const at = (iso: string) => new Date(iso);

describe('business hours', () => {
  it('opens at 09:00 and closes at 17:00 local time, to the minute', () => {
    // Oslo is UTC+1 in December.
    expect(oslo.isOpen(at('2026-12-07T07:59:59Z'))).toBe(false);
    expect(oslo.isOpen(at('2026-12-07T08:00:00Z'))).toBe(true);
    expect(oslo.isOpen(at('2026-12-07T15:59:59Z'))).toBe(true);
    expect(oslo.isOpen(at('2026-12-07T16:00:00Z'))).toBe(false);
    expect(oslo.isOpen(at('2026-12-12T10:00:00Z'))).toBe(false); // a Saturday
  });

  it('tells the next opening: later today, after the weekend, after a closed day, or now while open', () => {
    expect(oslo.nextOpening(at('2026-12-07T06:00:00Z'))).toEqual(at('2026-12-07T08:00:00Z'));
    expect(oslo.nextOpening(at('2026-12-11T16:00:00Z'))).toEqual(at('2026-12-14T08:00:00Z'));
    expect(oslo.nextOpening(at('2026-12-24T16:30:00Z'))).toEqual(at('2026-12-28T08:00:00Z'));
    expect(oslo.nextOpening(at('2026-12-09T12:00:00Z'))).toEqual(at('2026-12-09T12:00:00Z'));
  });

  it('keeps 09:00 local across a change of daylight saving time', () => {
    // Oslo moves to UTC+2 on Sunday 28 March 2027: Monday's 09:00 is 07:00 UTC, Friday's was 08:00.
    expect(oslo.nextOpening(at('2027-03-26T16:00:00Z'))).toEqual(at('2027-03-29T07:00:00Z'));
    expect(oslo.isOpen(at('2027-03-29T06:59:00Z'))).toBe(false);
    expect(oslo.isOpen(at('2027-03-29T07:00:00Z'))).toBe(true);
  });

  it('reads each zone on its own: the same moment is open in Oslo and closed in New York', () => {
    const newYork = new BusinessHours({ timeZone: 'America/New_York', weekly: [{ days: [...weekdays], from: '09:00', to: '17:00' }] });
    const moment = at('2026-12-07T09:00:00Z'); // 10:00 in Oslo, 04:00 in New York
    expect(oslo.isOpen(moment)).toBe(true);
    expect(newYork.isOpen(moment)).toBe(false);
    expect(newYork.nextOpening(moment)).toEqual(at('2026-12-07T14:00:00Z'));
  });

  it('takes several openings a day, and a day that ends at 24:00', () => {
    const split = new BusinessHours({
      timeZone: 'UTC',
      weekly: [
        { days: ['sat'], from: '10:00', to: '12:00' },
        { days: ['sat'], from: '14:00', to: '24:00' },
      ],
    });
    expect(split.isOpen(at('2026-12-12T13:00:00Z'))).toBe(false);
    expect(split.nextOpening(at('2026-12-12T13:00:00Z'))).toEqual(at('2026-12-12T14:00:00Z'));
    expect(split.isOpen(at('2026-12-12T23:59:00Z'))).toBe(true);
    expect(split.nextOpening(at('2026-12-13T00:00:00Z'))).toEqual(at('2026-12-19T10:00:00Z'));
  });

  it('says what is wrong with hours it cannot read', () => {
    expect(() => new BusinessHours({ timeZone: 'Mars/Olympus', weekly: [{ days: ['mon'], from: '09:00', to: '17:00' }] })).toThrow(/IANA time zone/);
    expect(() => new BusinessHours({ timeZone: 'UTC', weekly: [] })).toThrow(/hours.weekly/);
    expect(() => new BusinessHours({ timeZone: 'UTC', weekly: [{ days: ['monday' as 'mon'], from: '09:00', to: '17:00' }] })).toThrow(/days/);
    expect(() => new BusinessHours({ timeZone: 'UTC', weekly: [{ days: ['mon'], from: '9am', to: '17:00' }] })).toThrow(/HH:MM/);
    expect(() => new BusinessHours({ timeZone: 'UTC', weekly: [{ days: ['mon'], from: '17:00', to: '09:00' }] })).toThrow(/end after it starts/);
    expect(() => new BusinessHours({ timeZone: 'UTC', weekly: [{ days: ['mon'], from: '09:00', to: '17:00' }], closed: ['25/12/2026'] })).toThrow(/YYYY-MM-DD/);
  });
});
