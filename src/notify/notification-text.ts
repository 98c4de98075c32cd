import { countdown } from "../domain/clocks/countdown.js";

/**
 * The words of notifications that go to channels which are not confidential (chat rooms, plain
 * email): they say which case needs what by when, never anything from the report itself. Only
 * the program's name, the clock's label, the policy's own message and the case's reference
 * (`KITSU-12`) go in.
 */

export interface EscalationTextInput {
  programName: string;
  /** The clock's label from the policy, e.g. "Acknowledge the report". */
  clockLabel: string;
  kind: "warn" | "breach" | "repeat";
  /** The repeat number (1, 2, …); ignored for warn and breach. */
  n: number;
  /** The clock's deadline (not the moment this step fell due). */
  dueAt: Date;
  /** The policy's message for this escalation rule, if any. */
  message: string | null;
  /**
   * The case as people quote it: `KITSU-12`, or its id's first characters for a case without a
   * number (`caseLabel`, src/domain/cases/case-number.ts).
   */
  caseRef: string;
  /** For the relative form ("due in 2 h"); defaults to the current time. */
  now?: Date;
}

export interface NotificationWords {
  subject: string;
  text: string;
}

/** Collapses line breaks and runs of space: a subject is one header line, whatever policy authors typed. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** UTC, to the minute: "2025-03-04 10:00 UTC". Seconds would only suggest false precision. */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function escalationText(input: EscalationTextInput): NotificationWords {
  const program = oneLine(input.programName);
  const label = oneLine(input.clockLabel);
  const ref = oneLine(input.caseRef);
  const now = input.now ?? new Date();
  const relative = countdown(input.dueAt, now).text;

  let state: string;
  let lead: string;
  switch (input.kind) {
    case "warn":
      state = relative;
      lead = `"${label}" for case ${ref} is ${relative}.`;
      break;
    case "breach":
      state = "overdue (breach)";
      lead = `"${label}" for case ${ref} is overdue: the deadline has passed.`;
      break;
    case "repeat":
      state = `still overdue, reminder ${input.n}`;
      lead = `"${label}" for case ${ref} is still overdue (reminder ${input.n}).`;
      break;
  }

  const lines = [lead, `Due: ${utcMinute(input.dueAt)} (${relative})`];
  const message = input.message?.trim();
  if (message) lines.push("", message);
  return { subject: `[${program}] ${label}: ${state} (${ref})`, text: lines.join("\n") };
}
