/**
 * RFC 3339 §5.6 date-time: `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`. "T" and "Z" may be lower case
 * (§5.6 note), and a space may replace the "T" (also allowed by that note; seen in real files).
 * A time-zone offset is mandatory: a local time does not name an instant.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export type DateTimeResult = { ok: true; epochMs: number } | { ok: false; reason: string };

const EXAMPLE = "an RFC 3339 date-time such as 2027-01-01T00:00:00Z";

export function parseDateTime(value: string): DateTimeResult {
  const match = DATE_TIME.exec(value);
  if (match === null) {
    if (DATE_ONLY.test(value)) return { ok: false, reason: `is a date without a time; expected ${EXAMPLE}` };
    if (NO_OFFSET.test(value)) return { ok: false, reason: `has no time-zone offset (add Z or ±hh:mm)` };
    return { ok: false, reason: `is not ${EXAMPLE}` };
  }
  const [, y = "", mo = "", d = "", h = "", mi = "", s = "", fraction = "", zone = ""] = match;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  if (month < 1 || month > 12) return { ok: false, reason: `has month ${mo}, which does not exist` };
  if (day < 1 || day > daysInMonth(year, month))
    return { ok: false, reason: `has day ${d}, which ${y}-${mo} does not have` };
  if (hour > 23) return { ok: false, reason: `has hour ${h} (00-23)` };
  if (minute > 59) return { ok: false, reason: `has minute ${mi} (00-59)` };
  // Second 60 is a leap second, which can only end a minute's last second (RFC 3339 §5.7).
  if (second > 60 || (second === 60 && minute !== 59)) return { ok: false, reason: `has second ${s}` };
  let offsetMinutes = 0;
  if (zone.length === 6) {
    const sign = zone.startsWith("-") ? -1 : 1;
    const offsetHour = Number(zone.slice(1, 3));
    const offsetMinute = Number(zone.slice(4, 6));
    if (offsetHour > 23 || offsetMinute > 59) return { ok: false, reason: `has an invalid offset ${zone}` };
    offsetMinutes = sign * (offsetHour * 60 + offsetMinute);
  }
  // Milliseconds from the first three fraction digits, read as text to avoid float rounding.
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { ok: true, epochMs: date.getTime() - offsetMinutes * 60_000 };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
