/**
 * `cases.next_due_at`: the earliest deadline still open on a case, so the inbox sorts "what is due
 * first" on one indexed column. Open deadlines: `acknowledge_by` until the case is acknowledged,
 * the team's `due_at`, the authority notification deadline of a privacy incident
 * (`authority_notify_by`) until the authority is notified, and the earliest due date of an open
 * postmortem action item (`action_items_due_at`, kept by src/commands/postmortem.ts), all while
 * the case is not closed. A closed case has none (its action items' clocks still run: the timer
 * worker reads them from `case_action_items`). The date the reporter said they intend to publish
 * on (`reporter_publishes_at`, src/commands/reporter-warning.ts) joins them while it stands, and
 * so does the earliest open task of the disclosure plan (`disclosure_due_at`, kept by
 * src/commands/disclosure-plan.ts and the timer worker). The
 * task to tell affected users is not included:
 * its due date follows from the policy, which this rule does not see (see that command).
 * Timestamps are ISO-8601 UTC text of one width, so the smallest string is the earliest instant.
 */
export interface DeadlineFields {
  state: string;
  acknowledge_by: string | null;
  acknowledged_at: string | null;
  due_at: string | null;
  authority_notify_by: string | null;
  authority_notified_at: string | null;
  /** Absent on rows read before migration 2026120803 (and in tests that build the fields). */
  action_items_due_at?: string | null;
  /** Absent on rows read before migration 2026120905 (and in tests that build the fields). */
  reporter_publishes_at?: string | null;
  /** The earliest open disclosure plan task (migration 2026120904); absent like the two above. */
  disclosure_due_at?: string | null;
}

export function nextDueAt(fields: DeadlineFields): string | null {
  if (fields.state === "closed") return null;
  const open = [
    fields.acknowledged_at === null ? fields.acknowledge_by : null,
    fields.due_at,
    fields.authority_notified_at === null ? fields.authority_notify_by : null,
    fields.action_items_due_at ?? null,
    fields.reporter_publishes_at ?? null,
    fields.disclosure_due_at ?? null,
  ].filter((value): value is string => value !== null);
  return open.sort()[0] ?? null;
}
