/**
 * `cases.next_due_at`: the earliest deadline still open on a case, so the inbox sorts "what is due
 * first" on one indexed column. Open deadlines: `acknowledge_by` until the case is acknowledged,
 * and the team's `due_at` while the case is not closed. A closed case has none. Timestamps are
 * ISO-8601 UTC text of one width, so the smallest string is the earliest instant.
 */
export interface DeadlineFields {
  state: string;
  acknowledge_by: string | null;
  acknowledged_at: string | null;
  due_at: string | null;
}

export function nextDueAt(fields: DeadlineFields): string | null {
  if (fields.state === "closed") return null;
  const open = [fields.acknowledged_at === null ? fields.acknowledge_by : null, fields.due_at].filter(
    (value): value is string => value !== null,
  );
  return open.sort()[0] ?? null;
}
