/** SPEC A4: delays, send windows (across midnight and weeks), recurrence; wall-clock arithmetic, DST-safe. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDelay, insideWindow, nextOpening, nextRecurrence, type SendWindow } from '#shared/automations/time';

const seoul = (local: string) => new Date(`${local}+09:00`);
const iso = (d: Date) => d.toISOString();

describe('A4 send windows (reference/email_automation_using.md cases)', () => {
  it('A4: Mon-Fri 10:00-17:00: Monday noon is inside; Sunday 18:00 waits for Monday 10:00', () => {
    const w: SendWindow = { days: [1, 2, 3, 4, 5], from: '10:00', to: '17:00' };
    expect(iso(nextOpening(seoul('2026-03-02T12:00:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-02T12:00:00')));
    expect(iso(nextOpening(seoul('2026-03-01T18:00:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-02T10:00:00')));
    // 17:00 is still inside, 17:01 is not.
    expect(insideWindow(seoul('2026-03-02T17:00:00'), w, 'Asia/Seoul')).toBe(true);
    expect(iso(nextOpening(seoul('2026-03-02T17:01:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-03T10:00:00')));
    // Friday evening waits for Monday.
    expect(iso(nextOpening(seoul('2026-03-06T20:00:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-09T10:00:00')));
  });

  it('A4 case 1: every day 15:00 → 09:00 wraps past midnight', () => {
    const w: SendWindow = { days: [0, 1, 2, 3, 4, 5, 6], from: '15:00', to: '09:00' };
    expect(insideWindow(seoul('2026-03-03T17:00:00'), w, 'Asia/Seoul')).toBe(true);
    expect(insideWindow(seoul('2026-03-04T03:00:00'), w, 'Asia/Seoul')).toBe(true);
    expect(insideWindow(seoul('2026-03-04T09:00:00'), w, 'Asia/Seoul')).toBe(true);
    expect(iso(nextOpening(seoul('2026-03-04T09:01:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-04T15:00:00')));
    expect(iso(nextOpening(seoul('2026-03-04T10:00:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-04T15:00:00')));
    expect(iso(nextOpening(seoul('2026-03-04T14:59:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-04T15:00:00')));
  });

  it('A4 case 2: Monday 15:00 → Tuesday 09:00, as a wrapping day or a weekly span', () => {
    for (const w of [
      { days: [1], from: '15:00', to: '09:00' },
      { fromDay: 1, from: '15:00', toDay: 2, to: '09:00' },
    ] satisfies SendWindow[]) {
      expect(insideWindow(seoul('2026-03-02T17:00:00'), w, 'Asia/Seoul')).toBe(true); // Monday 17:00
      expect(insideWindow(seoul('2026-03-03T08:30:00'), w, 'Asia/Seoul')).toBe(true); // Tuesday 08:30
      // Tuesday 10:00 → next Monday 15:00.
      expect(iso(nextOpening(seoul('2026-03-03T10:00:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-09T15:00:00')));
    }
  });

  it('A4: Monday 09:00 → Wednesday 17:00 (a span across days); Thursday waits for next Monday', () => {
    const w: SendWindow = { fromDay: 1, from: '09:00', toDay: 3, to: '17:00' };
    expect(insideWindow(seoul('2026-03-03T23:00:00'), w, 'Asia/Seoul')).toBe(true); // Tuesday night
    expect(iso(nextOpening(seoul('2026-03-05T09:00:00'), w, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-09T09:00:00')));
    // Saturday 17:00 → Wednesday 09:00 wraps the week's end.
    const wrap: SendWindow = { fromDay: 6, from: '17:00', toDay: 0, to: '09:00' };
    expect(insideWindow(seoul('2026-03-08T08:00:00'), wrap, 'Asia/Seoul')).toBe(true); // Sunday 08:00
    expect(iso(nextOpening(seoul('2026-03-08T10:00:00'), wrap, 'Asia/Seoul'))).toBe(iso(seoul('2026-03-14T17:00:00')));
  });

  it('A4: windows keep local time across daylight-saving changes (Europe/Berlin, 2026-03-29)', () => {
    const w: SendWindow = { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' };
    // Friday 27 March 18:00 CET → Monday 30 March 09:00 CEST = 07:00Z (not 08:00Z).
    expect(iso(nextOpening(new Date('2026-03-27T17:00:00Z'), w, 'Europe/Berlin'))).toBe('2026-03-30T07:00:00.000Z');
    // A window opening inside the skipped hour (02:30) opens at the first instant after it.
    const night: SendWindow = { days: [0], from: '02:30', to: '04:00' };
    expect(iso(nextOpening(new Date('2026-03-28T12:00:00Z'), night, 'Europe/Berlin'))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('A4 property: the next opening is inside the window, not before the time given, and no earlier minute is', () => {
    const windowArb = fc.oneof(
      fc.record({
        days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
        from: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
        to: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
      }).map((r) => ({ days: r.days, from: hm(r.from), to: hm(r.to) }) as SendWindow),
      fc.record({
        fromDay: fc.integer({ min: 0, max: 6 }),
        toDay: fc.integer({ min: 0, max: 6 }),
        from: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
        to: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
      }).map((r) => ({ fromDay: r.fromDay, toDay: r.toDay, from: hm(r.from), to: hm(r.to) }) as SendWindow),
    );
    fc.assert(
      fc.property(windowArb, fc.integer({ min: 0, max: 60 * 24 * 60 }), fc.constantFrom('Asia/Seoul', 'Europe/Berlin', 'America/New_York'), (w, minutes, zone) => {
        const at = new Date(Date.UTC(2026, 2, 1) + minutes * 60_000);
        const next = nextOpening(at, w, zone);
        expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(insideWindow(next, w, zone)).toBe(true);
        // Spot-check minutes in between: none is inside.
        const span = next.getTime() - at.getTime();
        for (let i = 1; i <= 5 && span > 0; i++) {
          const probe = new Date(at.getTime() + Math.floor((span * i) / 6 / 60_000) * 60_000);
          if (probe < next && probe.getTime() !== at.getTime()) expect(insideWindow(probe, w, zone)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

const hm = ([h, m]: [number, number]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;

describe('A4 delays and recurrence', () => {
  it('A4: minutes and hours are elapsed time; days, weeks and years keep the local time across DST', () => {
    const before = new Date('2026-03-28T08:00:00Z'); // 09:00 CET
    expect(iso(addDelay(before, { value: 90, unit: 'minutes' }, 'Europe/Berlin'))).toBe('2026-03-28T09:30:00.000Z');
    expect(iso(addDelay(before, { value: 24, unit: 'hours' }, 'Europe/Berlin'))).toBe('2026-03-29T08:00:00.000Z');
    expect(iso(addDelay(before, { value: 1, unit: 'days' }, 'Europe/Berlin'))).toBe('2026-03-29T07:00:00.000Z'); // 09:00 CEST
    expect(iso(addDelay(before, { value: 2, unit: 'weeks' }, 'Europe/Berlin'))).toBe('2026-04-11T07:00:00.000Z');
    expect(iso(addDelay(seoul('2024-02-29T10:00:00'), { value: 1, unit: 'years' }, 'Asia/Seoul'))).toBe(iso(seoul('2025-02-28T10:00:00')));
  });

  it('A4: repeats at the first send time: daily, weekly, monthly (2025-02-01 09:10 → 03-01 09:10, 02-08 09:10)', () => {
    const first = seoul('2025-02-01T09:10:00');
    expect(iso(nextRecurrence(first, 'monthly', 'Asia/Seoul'))).toBe(iso(seoul('2025-03-01T09:10:00')));
    expect(iso(nextRecurrence(first, 'weekly', 'Asia/Seoul'))).toBe(iso(seoul('2025-02-08T09:10:00')));
    expect(iso(nextRecurrence(first, 'daily', 'Asia/Seoul'))).toBe(iso(seoul('2025-02-02T09:10:00')));
    expect(iso(nextRecurrence(seoul('2025-01-31T09:10:00'), 'monthly', 'Asia/Seoul'))).toBe(iso(seoul('2025-02-28T09:10:00')));
  });
});
