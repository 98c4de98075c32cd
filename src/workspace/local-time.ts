import { parseInstantText, resolveInstantText } from "../domain/calendar/instant-text.js";
import { DAY_MS, localDayIndex, parseIsoDate, toWall, wallToInstant } from "../domain/calendar/time-zone.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";

/**
 * Instants and dates as people type them into forms and clients send them, read in the program's
 * time zone, and the values those form inputs show.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A due date: a calendar date means the end of that day (23:59:59) in the program's time zone;
 * an ISO 8601 instant with its offset is taken as it is.
 */
export function parseDueDate(value: string, timeZone: string): Date {
  const text = value.trim();
  const day = parseIsoDate(text);
  if (day !== undefined) return new Date(wallToInstant(timeZone, (day + 1) * DAY_MS) - 1000);
  const instant = instantWithOffset(text);
  if (instant !== undefined) return instant;
  throw new InvalidCaseCommandError("dueAt", "a date such as 2026-12-31");
}

/**
 * An ISO 8601 instant with its offset, as it is; undefined for anything else, and for a date or
 * time that does not exist (2026-02-30T10:00Z), which `new Date` would roll over to 2 March.
 */
function instantWithOffset(text: string): Date | undefined {
  if (!ISO_INSTANT.test(text)) return undefined;
  try {
    return resolveInstantText(parseInstantText(text), "UTC").instant;
  } catch {
    return undefined;
  }
}

/** The calendar date of a due date in the program's time zone, for a date input. */
export function dueDateInput(dueAt: Date | null, timeZone: string): string {
  if (dueAt === null) return "";
  return new Date(localDayIndex(timeZone, dueAt.getTime()) * DAY_MS).toISOString().slice(0, 10);
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * An instant as a person or a client gives it: empty is `now`; "YYYY-MM-DD" the start of that day
 * and "YYYY-MM-DDTHH:MM" (a datetime-local input) that wall time, both in the program's time zone;
 * an ISO 8601 instant with its offset as it is. Throws InvalidCaseCommandError naming `field`.
 */
export function parseInstantInput(
  value: string | undefined,
  timeZone: string,
  now: Date,
  field: string,
): Date {
  const text = (value ?? "").trim();
  if (text === "") return now;
  const day = parseIsoDate(text);
  if (day !== undefined) return new Date(wallToInstant(timeZone, day * DAY_MS));
  const local = LOCAL_TIME.exec(text);
  if (local !== null) {
    const [, y, mo, d, h, mi, sec] = local;
    const date = parseIsoDate(`${y}-${mo}-${d}`);
    const hours = Number(h);
    const minutes = Number(mi);
    const seconds = Number(sec ?? "0");
    if (date !== undefined && hours < 24 && minutes < 60 && seconds < 60) {
      return new Date(
        wallToInstant(timeZone, date * DAY_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000),
      );
    }
  }
  const instant = instantWithOffset(text);
  if (instant !== undefined) return instant;
  throw new InvalidCaseCommandError(field, "a date and time such as 2026-12-31T14:30, or empty for now");
}

/** The value of a datetime-local input for `date` in the program's time zone ("" for null). */
export function localTimeInput(date: Date | null, timeZone: string): string {
  if (date === null) return "";
  return new Date(toWall(timeZone, date.getTime())).toISOString().slice(0, 16);
}
