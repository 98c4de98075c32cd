import { InvalidArgumentError } from "commander";
import {
  type InstantText,
  InstantTextError,
  parseInstantText,
  resolveInstantText,
} from "../../domain/calendar/instant-text.js";

/**
 * Commander's parser of an instant option (`--received`, `--now`): refuses what is not a date and
 * time at all; the zone of a time without an offset is the program's, applied by readInstant once
 * the action has loaded the policy.
 */
export function instantOption(value: string): InstantText {
  try {
    return parseInstantText(value);
  } catch (error) {
    if (error instanceof InstantTextError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/**
 * The instant of an option's value in the program's time zone, and, when the value had no UTC
 * offset, the line that says how it was read (for stderr: stdout stays the command's output).
 */
export async function readInstant(
  option: string,
  value: InstantText,
  timeZone: string,
): Promise<{ instant: Date; note: string | undefined }> {
  const { instant, reading } = resolveInstantText(value, timeZone);
  if (reading === undefined) return { instant, note: undefined };
  const { localIso } = await import("../../domain/clocks/due-dates.js");
  const local = localIso(instant, timeZone);
  const zone = `${timeZone} (the program's time zone)`;
  const read =
    reading === "skipped"
      ? `read in ${zone}, whose clocks skip ${value.timeOfDay} that day: ${local}, the moment they jump`
      : reading === "repeated"
        ? `read as ${value.timeOfDay} ${zone}, the first of the two times the clocks show it that day: ${local}`
        : `read as ${value.timeOfDay} ${zone}: ${local}`;
  return { instant, note: `${option} ${value.text} has no UTC offset: ${read}` };
}
