/**
 * Checklists on a case: the policy's resolution requirements (`incident.register.resolutionRequires`),
 * the coordinator's duties (`incident.coordinator.duties`) and each incident phase's `tasks`. An item is checked or unchecked by an event; its state is
 * the last event about it. Pure: the events' payloads go in, the state comes out.
 */

/** `resolution`, `coordinator` (the coordinator's duties), or `phase:<phase id>` for a phase's tasks. */
export type ChecklistList = "resolution" | "coordinator" | `phase:${string}`;

export interface ChecklistRecord {
  list: string;
  key: string;
  done: boolean;
  note: string;
  at: Date;
  actor: string;
}

export interface ChecklistMark {
  done: boolean;
  note: string;
  at: Date;
  actor: string;
}

/** `${list} ${key}` → the item's latest mark. */
export function checklistMarks(records: readonly ChecklistRecord[]): Map<string, ChecklistMark> {
  const marks = new Map<string, ChecklistMark>();
  for (const record of records) {
    const { done, note, at, actor } = record;
    marks.set(markKey(record.list, record.key), { done, note, at, actor });
  }
  return marks;
}

export function markKey(list: string, key: string): string {
  return `${list} ${key}`;
}

/** The keys of `list`'s items checked now. */
export function doneKeys(marks: ReadonlyMap<string, ChecklistMark>, list: ChecklistList): Set<string> {
  const prefix = `${list} `;
  const done = new Set<string>();
  for (const [key, mark] of marks)
    if (key.startsWith(prefix) && mark.done) done.add(key.slice(prefix.length));
  return done;
}
