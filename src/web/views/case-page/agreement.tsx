import {
  agreementRequired,
  agreementStatus,
  MAX_AGREEMENT_NOTE,
  recordRefusal,
} from "../../../domain/incident/agreement.js";
import { Csrf, describedBy, FieldError, When } from "../staff-common.js";
import type { NameOf, PanelProps } from "./shared.js";

/**
 * The affected party's agreement that the case is resolved (`incident.register.reporterAgreement`,
 * src/domain/incident/agreement.ts): whether it is awaited, given (by whom, how) or declined, and,
 * for those who may work the case, the form that records an agreement given another way, with a
 * note. Closing as resolved and disclosing wait for it; this says so before anyone tries.
 */
export function Agreement(props: PanelProps & { name: NameOf }) {
  const policy = props.program.policy;
  if (!agreementRequired(policy)) return null;
  const { found, errors, name } = props;
  const status = agreementStatus(found.events);
  const who = (actor: string | null) =>
    actor === null ? "" : actor === "reporter" ? "the reporter" : name(actor.replace(/^team:/, ""));
  const mayRecord = props.canWork && recordRefusal(policy, found.state, status) === null;
  const asked = found.state === "fixed" || found.state === "disclosed" || found.state === "closed";
  const draft = props.draft?.fields["agreement-note"] ?? "";
  return (
    <section aria-labelledby="agreement-heading">
      <h2 id="agreement-heading">Agreement that the case is resolved</h2>
      {policy.incident.register?.reporterAgreement?.text === undefined ? null : (
        <p class="meta">{policy.incident.register.reporterAgreement.text}</p>
      )}
      <p id="agreement-status">
        {!asked ? (
          "Asked for when the case is fixed. Closing as resolved and disclosing wait for it."
        ) : status.state === "given" ? (
          <>
            Given by {who(status.by)}, <When date={status.at} />
            {status.by !== "reporter" && status.note !== null ? `: ${status.note}` : "."}
          </>
        ) : found.state === "closed" ? (
          "Not given: the case was closed otherwise."
        ) : status.state === "declined" ? (
          <strong>
            The reporter did not agree that the fix resolves the report. The case is not closed as resolved
            nor disclosed until the agreement is given.
          </strong>
        ) : (
          <>
            <strong>Awaited: the case is not closed as resolved nor disclosed until it is given.</strong>
            {found.agreementDueAt === null ? null : (
              <>
                {" "}
                Asked of the reporter until <When date={found.agreementDueAt} />.
              </>
            )}
          </>
        )}
      </p>
      {mayRecord ? (
        <form method="post" action={`${props.base}/agreement`}>
          <Csrf token={props.csrfToken} />
          <FieldError errors={errors} field="agreement" />
          <div class="field">
            <label for="agreement-note">Record an agreement given another way</label>
            <p class="help" id="agreement-note-help">
              Who agreed, when and how (a call with the customer, a signed email). Internal: the reporter does
              not see it. At most {MAX_AGREEMENT_NOTE} characters.
            </p>
            <textarea
              id="agreement-note"
              name="agreement-note"
              required
              maxLength={MAX_AGREEMENT_NOTE}
              aria-describedby={describedBy(errors, "agreement", "agreement-note-help")}
            >
              {draft}
            </textarea>
          </div>
          <button type="submit">Record the agreement</button>
        </form>
      ) : (
        <FieldError errors={errors} field="agreement" />
      )}
    </section>
  );
}
