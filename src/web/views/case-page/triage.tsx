import { CVSS_FORM_FIELDS, type CvssSelections } from "../../../domain/cvss/calculator.js";
import { PRIORITIES, SEVERITIES } from "../../../policy/schema.js";
import { TRIAGE_FIELDS } from "../../triage-form.js";
import { CvssCalculator, CvssScore, selectionsOf } from "../cvss-calculator.js";
import { Csrf, describedBy, FieldError, When } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/** The triage as it stands and, for those who may work the case, the form that changes it. */
export function Triage(props: PanelProps) {
  const { found } = props;
  return (
    <>
      <h2>Triage</h2>
      <dl class="facts" id="triage-facts">
        <dt>Priority</dt>
        <dd>{found.triage.priority ?? "—"}</dd>
        <dt>Severity</dt>
        <dd>{found.triage.severity ?? "—"}</dd>
        <dt>Due</dt>
        <dd>
          <When date={found.triage.dueAt} />
        </dd>
        <dt>CWE</dt>
        <dd>{found.triage.cwe ?? "—"}</dd>
        <dt>CVSS 3.1</dt>
        <dd>
          <CvssScore value={found.triage.cvss31} />
        </dd>
        <dt>CVSS 4.0</dt>
        <dd>
          <CvssScore value={found.triage.cvss40} />
        </dd>
      </dl>
      {props.canWork ? (
        // Folded: the facts above are what a reader needs; the form opens on demand, and by
        // itself when it comes back with an error.
        <details class="edit-triage" open={hasTriageError(props.errors)}>
          <summary>Edit triage</summary>
          <TriageForm {...props} />
        </details>
      ) : null}
    </>
  );
}

/** Whether a field of the triage form has an error: its own fields and the calculators'. */
function hasTriageError(errors: PanelProps["errors"]): boolean {
  const fields = new Set<string>([
    TRIAGE_FIELDS.priority,
    TRIAGE_FIELDS.dueDate,
    TRIAGE_FIELDS.severity,
    TRIAGE_FIELDS.asset,
    TRIAGE_FIELDS.tags,
    TRIAGE_FIELDS.sourceTags,
    TRIAGE_FIELDS.cwe,
  ]);
  return [...errors.keys()].some((field) => fields.has(field) || /^cvss(31|40)?-/.test(field));
}

function TriageForm(props: PanelProps) {
  const { found, errors, program } = props;
  const policy = program.policy;
  const draft = props.draft;
  const value = (field: string, current: string) => draft?.fields[field] ?? current;
  const sourceTags = policy.incident.register?.sourceTags ?? [];
  const chosenSourceTags =
    draft?.lists[TRIAGE_FIELDS.sourceTags] ?? found.tags.filter((t) => sourceTags.includes(t));
  const otherTags = found.tags.filter((tag) => !sourceTags.includes(tag)).join(", ");
  const priorities = policy.incident.register?.priorities ?? PRIORITIES;
  const priority = value(TRIAGE_FIELDS.priority, found.triage.priority ?? "");
  const selections = (version: "3.1" | "4.0"): CvssSelections => {
    if (draft === undefined)
      return selectionsOf(version === "3.1" ? found.triage.cvss31 : found.triage.cvss40);
    const prefix = `${CVSS_FORM_FIELDS.metric(version, "")}`;
    const chosen: CvssSelections = {};
    for (const [field, values] of Object.entries(draft.lists)) {
      if (field.startsWith(prefix) && values[0] !== undefined) chosen[field.slice(prefix.length)] = values[0];
    }
    return chosen;
  };
  const field = (name: string) => ({ "aria-describedby": describedBy(errors, name) });
  return (
    <form method="post" action={`${props.base}/triage`} class="triage">
      <Csrf token={props.csrfToken} />
      <fieldset>
        <legend>Priority</legend>
        <FieldError errors={errors} field={TRIAGE_FIELDS.priority} />
        <div class="choices">
          {[["", "Not set"] as const, ...priorities.map((p) => [p, p] as const)].map(([option, text]) => (
            <span class="choice">
              <input
                type="radio"
                id={`priority-${option || "none"}`}
                name={TRIAGE_FIELDS.priority}
                value={option}
                checked={priority === option}
              />
              <label for={`priority-${option || "none"}`}>{text}</label>
            </span>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for={TRIAGE_FIELDS.dueDate}>Due date</label>
        <p class="help" id="due-date-help">
          The end of that day in {policy.serviceLevels.calendar.timeZone}.
        </p>
        <FieldError errors={errors} field={TRIAGE_FIELDS.dueDate} />
        <input
          type="date"
          id={TRIAGE_FIELDS.dueDate}
          name={TRIAGE_FIELDS.dueDate}
          value={value(TRIAGE_FIELDS.dueDate, props.dueDate)}
          aria-describedby={describedBy(errors, TRIAGE_FIELDS.dueDate, "due-date-help")}
        />
      </div>
      <div class="field">
        <label for={TRIAGE_FIELDS.asset}>Asset</label>
        <FieldError errors={errors} field={TRIAGE_FIELDS.asset} />
        <select id={TRIAGE_FIELDS.asset} name={TRIAGE_FIELDS.asset} {...field(TRIAGE_FIELDS.asset)}>
          <option value="">Not set</option>
          {policy.scope.inScope.map((a) => (
            <option value={a.id} selected={value(TRIAGE_FIELDS.asset, found.assetId ?? "") === a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </div>
      {sourceTags.length === 0 ? null : (
        <fieldset>
          <legend>Source</legend>
          <div class="choices">
            {sourceTags.map((tag) => (
              <span class="choice">
                <input
                  type="checkbox"
                  id={`source-tag-${tag}`}
                  name={TRIAGE_FIELDS.sourceTags}
                  value={tag}
                  checked={chosenSourceTags.includes(tag)}
                />
                <label for={`source-tag-${tag}`}>{tag}</label>
              </span>
            ))}
          </div>
        </fieldset>
      )}
      <div class="field">
        <label for={TRIAGE_FIELDS.tags}>{sourceTags.length === 0 ? "Tags" : "Other tags"}</label>
        <p class="help" id="tags-help">
          Separated by commas: letters, digits, ".", "_", ":" or "-".
        </p>
        <FieldError errors={errors} field={TRIAGE_FIELDS.tags} />
        <input
          type="text"
          id={TRIAGE_FIELDS.tags}
          name={TRIAGE_FIELDS.tags}
          value={value(TRIAGE_FIELDS.tags, otherTags)}
          aria-describedby={describedBy(errors, TRIAGE_FIELDS.tags, "tags-help")}
        />
      </div>
      <div class="field">
        <label for={TRIAGE_FIELDS.cwe}>CWE</label>
        <p class="help" id="cwe-help">
          Such as CWE-79 or 79. <a href="/cwe">Look one up</a>.
        </p>
        <FieldError errors={errors} field={TRIAGE_FIELDS.cwe} />
        <input
          type="text"
          id={TRIAGE_FIELDS.cwe}
          name={TRIAGE_FIELDS.cwe}
          value={value(TRIAGE_FIELDS.cwe, found.triage.cwe ?? "")}
          maxLength={20}
          aria-describedby={describedBy(errors, TRIAGE_FIELDS.cwe, "cwe-help")}
        />
      </div>
      <div class="field">
        <label for={CVSS_FORM_FIELDS.vector}>
          Paste a CVSS vector (3.1 or 4.0; it wins over the calculators)
        </label>
        <FieldError errors={errors} field={CVSS_FORM_FIELDS.vector} />
        <input
          type="text"
          id={CVSS_FORM_FIELDS.vector}
          name={CVSS_FORM_FIELDS.vector}
          value={draft?.fields[CVSS_FORM_FIELDS.vector] ?? ""}
          spellcheck={false}
          autocapitalize="none"
          maxLength={300}
          {...field(CVSS_FORM_FIELDS.vector)}
        />
      </div>
      <CvssCalculator
        version="3.1"
        current={found.triage.cvss31}
        selections={selections("3.1")}
        errors={errors}
      />
      <CvssCalculator
        version="4.0"
        current={found.triage.cvss40}
        selections={selections("4.0")}
        errors={errors}
      />
      <div class="field">
        <label for={TRIAGE_FIELDS.severity}>Severity without a CVSS score</label>
        <p class="help" id="severity-help">
          A CVSS score decides the severity (4.0 before 3.1); this applies only when there is none.
        </p>
        <FieldError errors={errors} field={TRIAGE_FIELDS.severity} />
        <select
          id={TRIAGE_FIELDS.severity}
          name={TRIAGE_FIELDS.severity}
          aria-describedby={describedBy(errors, TRIAGE_FIELDS.severity, "severity-help")}
        >
          <option value="">Not set</option>
          {SEVERITIES.map((s) => (
            <option value={s} selected={value(TRIAGE_FIELDS.severity, found.triage.severity ?? "") === s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Save triage</button>
    </form>
  );
}
