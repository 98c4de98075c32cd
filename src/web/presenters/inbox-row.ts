import type { z } from "zod";
import { caseReferenceOf } from "../../domain/cases/case-number.js";
import { inboxClock } from "../../domain/clocks/countdown.js";
import { isCaseState } from "../../domain/lifecycle/index.js";
import { assignedGroup, teamLabel } from "../../domain/notifications/recipients.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { Policy } from "../../policy/schema.js";
import type { InboxRow } from "../../store/inbox.js";
import { inboxClocksOf } from "../../workspace/inbox-clocks.js";
import type { CaseRow } from "../routes/staff-api-schema.js";
import type { InboxRowView } from "../views/inbox.js";
import { inboxClockItemOf, inboxClockOf, iso } from "./clock.js";

/** The programs a row may belong to (the app's registry). */
export interface ProgramsOf {
  get(slug: string): LoadedPolicy | undefined;
}

/** "Team: <name>" when the assignee is one of the policy's groups; undefined for a member or nobody. */
export function groupAssigneeLabel(policy: Policy | undefined, assignee: string | null): string | undefined {
  const group = policy === undefined ? undefined : assignedGroup(policy, assignee);
  return group === undefined ? undefined : teamLabel(group);
}

/** A row's clocks, worded: the same on the inbox page and in the JSON API. */
function clocksOfRow(programs: ProgramsOf, row: InboxRow, now: Date) {
  return {
    clock: inboxClockOf(inboxClock(row, now)),
    clocks: inboxClocksOf(programs.get(row.program), row, now).map(inboxClockItemOf),
  };
}

/**
 * An inbox row for the staff JSON API (GET /api/v1/cases; the CaseRow schema). `newActivity`: the
 * reporter did something since the caller last opened the case (src/store/case-reads.ts).
 */
export function inboxRowJson(
  programs: ProgramsOf,
  row: InboxRow,
  now: Date,
  newActivity: boolean,
): z.input<typeof CaseRow> {
  const { clock, clocks } = clocksOfRow(programs, row, now);
  return {
    id: row.id,
    program: row.program,
    number: row.number,
    reference: caseReferenceOf(row.program, row.number),
    newActivity,
    state: isCaseState(row.state) ? row.state : "new",
    title: row.title,
    severity: row.severity,
    priority: row.priority,
    assignee: row.assignee,
    assigneeName: groupAssigneeLabel(programs.get(row.program)?.policy, row.assignee) ?? null,
    assetId: row.assetId,
    source: row.source,
    tags: row.tags,
    receivedAt: row.receivedAt.toISOString(),
    acknowledgeBy: iso(row.acknowledgeBy),
    acknowledgedAt: iso(row.acknowledgedAt),
    dueAt: iso(row.dueAt),
    nextDueAt: iso(row.nextDueAt),
    cvss31Score: row.cvss31Score,
    cvss40Score: row.cvss40Score,
    outcome: row.outcome,
    clock,
    clocks,
  };
}

/**
 * An inbox row for the inbox page: the program by name and the assignee by email (`names`, user
 * id → email) or, for a team group, as "Team: <name>", where the API gives slugs and user ids.
 */
export function inboxRowView(
  programs: ProgramsOf,
  row: InboxRow,
  now: Date,
  names: ReadonlyMap<string, string>,
  newActivity: boolean,
): InboxRowView {
  return {
    id: row.id,
    reference: caseReferenceOf(row.program, row.number),
    receivedAt: row.receivedAt,
    newActivity,
    title: row.title,
    programName: programs.get(row.program)?.policy.program.name ?? row.program,
    state: row.state,
    outcome: row.outcome,
    severity: row.severity,
    cvss31Score: row.cvss31Score,
    cvss40Score: row.cvss40Score,
    priority: row.priority,
    assignee:
      row.assignee === null
        ? null
        : (groupAssigneeLabel(programs.get(row.program)?.policy, row.assignee) ??
          names.get(row.assignee) ??
          row.assignee),
    tags: row.tags,
    ...clocksOfRow(programs, row, now),
  };
}
