/**
 * What a long command (`keys rotate`, `audit verify`, `backup`, `restore`) shows of its progress
 * on stderr, so that stdout stays the command's machine-readable result. On a terminal: one line
 * redrawn in place ("Re-encrypting: 1,200 / 10,000 rows (12%)"), at most every REDRAW_MS, cleared
 * at the end so the result follows on a clean screen. Elsewhere (a log, a pipe, cron's mail):
 * plain lines ("keys rotate: 1200/10000 rows") only once the operation has run for QUIET_MS, as
 * git does, so a quick run adds nothing to a log; then one a tenth of the way, or every
 * LINE_EVERY_MS when a tenth takes longer, and one at the end. Pure: the counts and the clock's
 * reading in, the text to write and the next state out (src/cli/progress.ts does the writing).
 */

/** How an operation names itself and what it counts. */
export interface ProgressLabels {
  /** The terminal line's words: "Re-encrypting". */
  title: string;
  /** The plain lines' prefix, the command as typed: "keys rotate". */
  command: string;
  /** What is counted, plural: "rows". */
  unit: string;
}

/** `terminal`: stderr is a TTY; `lines`: it is a file or a pipe. */
export type ProgressMode = "terminal" | "lines";

export interface ProgressState {
  /** When the whole operation began (milliseconds), for the quiet start of the plain lines. */
  readonly startedAt: number;
  /** The counts last reported, for the end line. */
  readonly done: number;
  readonly total: number;
  /** When something was last written for this stage; undefined: nothing yet. */
  readonly writtenAt: number | undefined;
  /** The last line written: on a terminal, the one on screen ("" when none). */
  readonly line: string;
  /** The tenth of the total the last plain line had reached. */
  readonly tenth: number;
}

export type ProgressEvent = { done: number; total: number } | { end: "completed" | "failed" };

/** At most ten redraws a second: a terminal repainting faster only costs the operation time. */
export const REDRAW_MS = 100;
/** Plain lines only for an operation that has run this long. */
export const QUIET_MS = 2_000;
/** A plain line at least this often while the counts move, however slowly. */
export const LINE_EVERY_MS = 30_000;

/** A stage beginning `now`, or a later stage of an operation that began at `startedAt`. */
export function startProgress(startedAt: number): ProgressState {
  return { startedAt, done: 0, total: 0, writtenAt: undefined, line: "", tenth: 0 };
}

const grouped = new Intl.NumberFormat("en-US");

/**
 * The text to write for `event` at `now` (often "", nothing) and the state after it. `done` may
 * pass `total` (rows added while a rotation runs): the total then counts as `done`.
 */
export function progressStep(
  mode: ProgressMode,
  labels: ProgressLabels,
  state: ProgressState,
  event: ProgressEvent,
  now: number,
): { text: string; state: ProgressState } {
  if ("end" in event) {
    if (mode === "terminal") {
      if (state.line === "") return { text: "", state };
      return { text: `\r${" ".repeat(state.line.length)}\r`, state: { ...state, line: "" } };
    }
    // A failure is told by the error message that follows; a quick stage that printed nothing stays quiet.
    const quiet = state.writtenAt === undefined && now - state.startedAt < QUIET_MS;
    if (event.end === "failed" || quiet) return { text: "", state };
    return { text: `${labels.command}: ${state.done}/${state.total} ${labels.unit}, done\n`, state };
  }
  const total = Math.max(event.total, event.done);
  const counted = { ...state, done: event.done, total };
  if (mode === "terminal") {
    if (state.writtenAt !== undefined && now - state.writtenAt < REDRAW_MS)
      return { text: "", state: counted };
    const percent = total === 0 ? 100 : Math.floor((event.done * 100) / total);
    const line = `${labels.title}: ${grouped.format(event.done)} / ${grouped.format(total)} ${labels.unit} (${percent}%)`;
    if (line === state.line) return { text: "", state: counted };
    // Spaces over whatever of a longer line before would stay on screen.
    const text = `\r${line}${" ".repeat(Math.max(0, state.line.length - line.length))}`;
    return { text, state: { ...counted, writtenAt: now, line } };
  }
  const line = `${labels.command}: ${event.done}/${total} ${labels.unit}`;
  const tenth = total === 0 ? 10 : Math.floor((event.done * 10) / total);
  const due =
    state.writtenAt === undefined
      ? now - state.startedAt >= QUIET_MS
      : tenth > state.tenth || now - state.writtenAt >= LINE_EVERY_MS;
  // The end line reports the whole count: a line at the total now would only repeat it.
  if (!due || event.done >= total || line === state.line) return { text: "", state: counted };
  return { text: `${line}\n`, state: { ...counted, writtenAt: now, line, tenth } };
}
