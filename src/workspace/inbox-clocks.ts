import { caseClocks } from "../domain/clocks/case-clocks.js";
import { countdown } from "../domain/clocks/countdown.js";
import { authorityClock } from "../domain/clocks/disclosure.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { ProgramRegistry } from "../programs/registry.js";
import { type ClockNeeds, clockNeeds } from "../store/clock-facts.js";
import type { InboxRow } from "../store/inbox.js";

/** For listInbox: which events each program's clocks need read. */
export function clockNeedsOf(programs: ProgramRegistry): (slug: string) => ClockNeeds {
  return (slug) => {
    const program = programs.get(slug);
    return program === undefined ? { agreement: false, waits: false } : clockNeeds(program.policy);
  };
}

/** One clock on an inbox row: "Acknowledge the report: due in 3 h". */
export interface InboxClockItem {
  label: string;
  text: string;
  overdue: boolean;
  /** Milliseconds left (negative when overdue); for a paused clock, as if it ran on now. */
  remainingMs: number;
}

/**
 * Every clock of an inbox row that still asks something of the team, soonest first: the policy's
 * running, paused and overdue clocks (met ones and ones not started yet are on the case page),
 * the authority deadline of a privacy incident, and the team's own due date.
 */
export function inboxClocksOf(program: LoadedPolicy | undefined, row: InboxRow, now: Date): InboxClockItem[] {
  const items: InboxClockItem[] = [];
  if (program !== undefined) {
    const authority = authorityClock(program.policy, row.clockFacts, now);
    for (const clock of [
      ...caseClocks(program.policy, row.clockFacts, now),
      ...(authority ? [authority] : []),
    ]) {
      if ((clock.state !== "running" && clock.state !== "overdue") || clock.dueAt === null) continue;
      items.push({
        label: clock.label,
        text: clock.text,
        overdue: clock.state === "overdue",
        remainingMs: clock.dueAt.getTime() - now.getTime(),
      });
    }
  }
  if (row.dueAt !== null && row.state !== "closed") {
    const due = countdown(row.dueAt, now);
    items.push({ label: "Due date", text: due.text, overdue: due.overdue, remainingMs: due.remainingMs });
  }
  return items.sort((a, b) => a.remainingMs - b.remainingMs);
}
