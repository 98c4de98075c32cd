import { localTimeInput } from "../../../workspace/local-time.js";
import { Csrf, describedBy, FieldError, When } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * When the fix was released (the disclosure phases count from it) and, for those who may work the
 * case, the form that records or corrects it.
 */
export function FixRelease(props: PanelProps) {
  const { found, errors } = props;
  const timeZone = props.program.policy.serviceLevels.calendar.timeZone;
  const draft = props.draft?.fields ?? {};
  return (
    <>
      <dl class="facts">
        <dt>Fix released</dt>
        <dd>{found.fixReleasedAt === null ? "not recorded" : <When date={found.fixReleasedAt} />}</dd>
      </dl>
      {props.canWork ? (
        <form method="post" action={`${props.base}/fix-release`}>
          <Csrf token={props.csrfToken} />
          <div class="field">
            <label for="released-at">
              {found.fixReleasedAt === null ? "Record the fix release" : "Correct the fix release"}
            </label>
            <p class="help" id="released-at-help">
              When the fix was released, in {timeZone}; leave empty for now. Internal: the reporter is not
              told (reply to tell them).
            </p>
            <FieldError errors={errors} field="released-at" />
            <input
              type="datetime-local"
              id="released-at"
              name="released-at"
              value={draft["released-at"] ?? localTimeInput(found.fixReleasedAt, timeZone)}
              aria-describedby={describedBy(errors, "released-at", "released-at-help")}
            />
          </div>
          <button type="submit">Record the fix release</button>
        </form>
      ) : null}
    </>
  );
}
