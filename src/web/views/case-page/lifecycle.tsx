import { Csrf, describedBy, FieldError, outcomeLabel, stateLabel } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/** The transition form: the states the lifecycle allows from here and, when closing, the outcome and the original of a duplicate. */
export function LifecycleForm(props: PanelProps) {
  const { errors, found } = props;
  const draft = props.draft?.fields ?? {};
  const closable = props.allowed.includes("closed");
  return (
    <section aria-labelledby="lifecycle-heading">
      <h2 id="lifecycle-heading">Move the case</h2>
      {props.allowed.length === 0 ? (
        <p>No move is possible from {stateLabel(found.state)}.</p>
      ) : (
        <form method="post" action={`${props.base}/transition`}>
          <Csrf token={props.csrfToken} />
          <FieldError errors={errors} field="transition" />
          <div class="field">
            <label for="to">New state (from {stateLabel(found.state)})</label>
            <FieldError errors={errors} field="to" />
            <select id="to" name="to" aria-describedby={describedBy(errors, "to")}>
              {props.allowed.map((state) => (
                <option value={state} selected={draft.to === state}>
                  {stateLabel(state)}
                </option>
              ))}
            </select>
          </div>
          {closable ? (
            <>
              <div class="field">
                <label for="outcome">Outcome (required when closing)</label>
                <FieldError errors={errors} field="outcome" />
                <select id="outcome" name="outcome" aria-describedby={describedBy(errors, "outcome")}>
                  <option value="">Choose when closing</option>
                  {props.outcomes.map((outcome) => (
                    <option value={outcome} selected={draft.outcome === outcome}>
                      {outcomeLabel(outcome)}
                    </option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for="duplicate-of">Original case (when closing as a duplicate)</label>
                <FieldError errors={errors} field="duplicate-of" />
                <select
                  id="duplicate-of"
                  name="duplicate-of"
                  aria-describedby={describedBy(errors, "duplicate-of")}
                >
                  <option value="">None chosen</option>
                  {props.duplicates.map((hint) => (
                    <option value={hint.id} selected={draft["duplicate-of"] === hint.id}>
                      {hint.title} ({hint.id})
                    </option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for="duplicate-of-other">Or the id of another case</label>
                <input
                  type="text"
                  id="duplicate-of-other"
                  name="duplicate-of-other"
                  value={draft["duplicate-of-other"] ?? ""}
                  maxLength={64}
                  spellcheck={false}
                  autocapitalize="none"
                />
              </div>
            </>
          ) : null}
          <button type="submit">Move</button>
        </form>
      )}
    </section>
  );
}
