import { type ChecklistRecord, checklistMarks, markKey } from "../../../domain/incident/checklist.js";
import { checklistKey } from "../../../domain/incident/register.js";
import type { Policy } from "../../../policy/schema.js";
import { Csrf } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * Which panel shows a refused checklist mark (one place on the page): the register's when the
 * program has one, else the coordinator's, else the incident phases'.
 */
export function checklistErrorPanel(policy: Policy): "register" | "coordinator" | "phases" {
  if (policy.incident.register !== undefined) return "register";
  return policy.incident.coordinator === undefined ? "phases" : "coordinator";
}

/**
 * One of the policy's checklists on the case (the resolution requirements, a phase's tasks): each
 * item checked or not, with who checked it and their note, and a form per item to change it.
 */
export function ChecklistItems(
  props: PanelProps & {
    list: string;
    label: string;
    items: readonly string[];
    marks: readonly ChecklistRecord[];
  },
) {
  const marks = checklistMarks(props.marks);
  const name = (actor: string) => {
    const userId = actor.startsWith("team:") ? actor.slice("team:".length) : actor;
    return props.names.get(userId) ?? userId;
  };
  return (
    <ul class="checklist" aria-label={props.label}>
      {props.items.map((text) => {
        const key = checklistKey(text);
        const mark = marks.get(markKey(props.list, key));
        const done = mark?.done === true;
        const noteId = `note-${props.list.replace(":", "-")}-${key}`;
        return (
          <li>
            <span aria-hidden="true">{done ? "☑" : "☐"}</span> {text}{" "}
            <span class="meta">
              {done ? `done (${name(mark.actor)}, ${mark.at.toISOString().slice(0, 10)})` : "not done"}
              {mark === undefined || mark.note === "" ? null : `: ${mark.note}`}
            </span>
            {props.canWork ? (
              <form method="post" action={`${props.base}/checklist`} class="inline">
                <Csrf token={props.csrfToken} />
                <input type="hidden" name="list" value={props.list} />
                <input type="hidden" name="key" value={key} />
                <input type="hidden" name="done" value={done ? "no" : "yes"} />
                {done ? null : (
                  <>
                    <label for={noteId} class="visually-hidden">
                      Note on {text}
                    </label>
                    <input
                      type="text"
                      id={noteId}
                      name="note"
                      maxLength={2000}
                      placeholder="Note (optional)"
                    />
                  </>
                )}
                <button type="submit">{done ? `Uncheck ${text}` : `Check ${text}`}</button>
              </form>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
