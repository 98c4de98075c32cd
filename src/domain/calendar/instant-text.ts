import { DAY_MS, offsetAt, parseIsoDate, toWall, wallToInstant } from "./time-zone.js";

/**
 * An instant as a person types it (`embargo policy clocks --received …`): an ISO 8601 date and
 * time with a UTC offset (`Z`, `+01:00`, `-0800`) is taken as it is; one without an offset is a
 * wall time of the zone the caller names (a program's business calendar), never the machine's, so
 * the same command gives the same deadlines everywhere. Dates and times that do not exist
 * (30 February, 25:00, month 13) are refused, where `new Date()` would roll them over.
 */
export interface InstantText {
  /** The text, trimmed. */
  text: string;
  /** Wall time as written (see time-zone.ts). */
  wall: number;
  /** The written offset (local minus UTC) in milliseconds; undefined when none was written. */
  offsetMs: number | undefined;
  /** The time of day, "HH:MM" (or "HH:MM:SS" when the seconds are not 0), to say how it was read. */
  timeOfDay: string;
}

/** What the parsers accept, for error messages and help. */
export const INSTANT_TEXT_FORMAT =
  "an ISO 8601 date and time such as 2026-11-27T18:30:00-08:00, or without an offset " +
  "(2026-11-27T18:30) for a time in the program's time zone";

export class InstantTextError extends Error {
  constructor(problem: string) {
    super(`${problem}: expected ${INSTANT_TEXT_FORMAT}`);
    this.name = "InstantTextError";
  }
}

const INSTANT =
  /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const MONTH = /^\d{4}-(\d{2})-/;

/** Parses `text`; throws InstantTextError naming what is wrong and the expected format. */
export function parseInstantText(text: string): InstantText {
  const trimmed = text.trim();
  const m = INSTANT.exec(trimmed);
  if (m === null) throw new InstantTextError(`"${shorten(trimmed)}" is not a date and time`);
  const [, date = "", hh = "", mi = "", ss, fraction, zulu, sign, offsetHh, offsetMm] = m;
  const day = parseIsoDate(date);
  if (day === undefined) {
    const month = Number(MONTH.exec(date)?.[1]);
    throw new InstantTextError(
      month < 1 || month > 12 ? `${date} has no month ${month}` : `${date} is not a real date`,
    );
  }
  const hours = Number(hh);
  const minutes = Number(mi);
  const seconds = Number(ss ?? "0");
  if (hours > 23 || minutes > 59 || seconds > 59)
    throw new InstantTextError(
      `${hh}:${mi}${ss === undefined ? "" : `:${ss}`} is not a time of day (00:00 to 23:59:59)`,
    );
  const timeOfDay = `${hh}:${mi}${seconds === 0 ? "" : `:${ss}`}`;
  const millis = Number((fraction ?? "").padEnd(3, "0").slice(0, 3));
  const wall = day * DAY_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
  if (zulu !== undefined) return { text: trimmed, wall, offsetMs: 0, timeOfDay };
  if (sign === undefined) return { text: trimmed, wall, offsetMs: undefined, timeOfDay };
  const offsetHours = Number(offsetHh);
  const offsetMinutes = Number(offsetMm ?? "0");
  if (offsetHours > 23 || offsetMinutes > 59)
    throw new InstantTextError(`${sign}${offsetHh}:${offsetMm ?? "00"} is not a UTC offset`);
  const offsetMs = (sign === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return { text: trimmed, wall, offsetMs, timeOfDay };
}

/** How a time without an offset was read in a zone on a day the clocks change, if they do. */
export type WallTimeReading = "as-written" | "skipped" | "repeated";

export interface ResolvedInstant {
  instant: Date;
  /**
   * Undefined when the text had an offset. A time the clocks skip is read as the moment they
   * jump; a time they show twice, as its first occurrence (as time-zone.ts reads working hours).
   */
  reading: WallTimeReading | undefined;
}

/** The instant `value` names; a wall time without offset is read in `timeZone`. */
export function resolveInstantText(value: InstantText, timeZone: string): ResolvedInstant {
  if (value.offsetMs !== undefined)
    return { instant: new Date(value.wall - value.offsetMs), reading: undefined };
  const instant = wallToInstant(timeZone, value.wall);
  if (toWall(timeZone, instant) !== value.wall) return { instant: new Date(instant), reading: "skipped" };
  // Where the clocks go back, the offset a day later gives the wall time's second occurrence.
  const second = value.wall - offsetAt(timeZone, value.wall + DAY_MS);
  const repeated = second !== instant && toWall(timeZone, second) === value.wall;
  return { instant: new Date(instant), reading: repeated ? "repeated" : "as-written" };
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
