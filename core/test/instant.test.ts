import fc from 'fast-check';
import { parseInstant } from '../src/instant';

test('parseInstant agrees with Date.parse on instants with offsets', () => {
  fc.assert(
    fc.property(
      fc.date({ min: new Date('1901-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: -14 * 60, max: 14 * 60 }),
      fc.constantFrom('Z', '+hh:mm', '+hhmm'),
      fc.boolean(),
      (date, offMin, style, withMs) => {
        const local = new Date(date.getTime() + (style === 'Z' ? 0 : offMin) * 60_000).toISOString().slice(0, withMs ? 23 : 19);
        const sign = offMin < 0 ? '-' : '+';
        const hh = String(Math.floor(Math.abs(offMin) / 60)).padStart(2, '0');
        const mm = String(Math.abs(offMin) % 60).padStart(2, '0');
        const text = local + (style === 'Z' ? 'Z' : style === '+hh:mm' ? `${sign}${hh}:${mm}` : `${sign}${hh}${mm}`);
        expect(parseInstant(text)).toBe(Date.parse(text));
      },
    ),
    { numRuns: 2000 },
  );
});

test.each(['2026-03-02T10:00Z', '2026-03-02T10:00:00.5Z', '2026-03-02T10:00:00.123456+05:30', 'garbage', '2026-13-02T10:00:00Z'])('%s as Date.parse reads it', (text) => {
  expect(parseInstant(text)).toEqual(Date.parse(text));
});
