import { Csrf, describedBy, FieldError, When } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * The privacy incident: whether the case is one, by when the authority must be notified and whether
 * it was; the form for the next step. Shown only when the policy names an authority or the case is marked.
 */
export function PrivacyIncident(props: PanelProps) {
  const { found, errors } = props;
  const timeZone = props.program.policy.serviceLevels.calendar.timeZone;
  const draft = props.draft?.fields ?? {};
  const authority = props.program.policy.disclosure.authorityNotification;
  if (authority === undefined && found.privacyIncidentAt === null) return null;
  return (
    <>
      <h3>Privacy incident</h3>
      {found.privacyIncidentAt === null ? (
        <p>
          Not marked as a privacy incident.
          {authority === undefined
            ? null
            : ` A privacy incident must be reported to ${authority.authority ?? "the authority"} in time; marking the case starts that clock.`}
        </p>
      ) : (
        <dl class="facts">
          <dt>Privacy incident since</dt>
          <dd>
            <When date={found.privacyIncidentAt} />
          </dd>
          <dt>Notify the authority by</dt>
          <dd>
            <When date={found.authorityNotifyBy} />
          </dd>
          <dt>Authority notified</dt>
          <dd>
            {found.authorityNotifiedAt === null ? "not yet" : <When date={found.authorityNotifiedAt} />}
          </dd>
        </dl>
      )}
      {!props.canWork ? null : found.privacyIncidentAt === null ? (
        authority === undefined ? null : (
          <form method="post" action={`${props.base}/privacy-incident`}>
            <Csrf token={props.csrfToken} />
            <div class="field">
              <label for="privacy-since">Privacy incident since</label>
              <p class="help" id="privacy-since-help">
                When the team became aware of it, in {timeZone}; leave empty for now. Internal.
              </p>
              <FieldError errors={errors} field="privacy-since" />
              <input
                type="datetime-local"
                id="privacy-since"
                name="privacy-since"
                value={draft["privacy-since"] ?? ""}
                aria-describedby={describedBy(errors, "privacy-since", "privacy-since-help")}
              />
            </div>
            <button type="submit">Mark as a privacy incident</button>
          </form>
        )
      ) : found.authorityNotifiedAt !== null ? null : (
        <form method="post" action={`${props.base}/authority-notified`}>
          <Csrf token={props.csrfToken} />
          <div class="field">
            <label for="authority-notified-at">The authority was notified at</label>
            <p class="help" id="authority-notified-at-help">
              In {timeZone}; leave empty for now. Internal.
            </p>
            <FieldError errors={errors} field="authority-notified-at" />
            <input
              type="datetime-local"
              id="authority-notified-at"
              name="authority-notified-at"
              value={draft["authority-notified-at"] ?? ""}
              aria-describedby={describedBy(errors, "authority-notified-at", "authority-notified-at-help")}
            />
          </div>
          <button type="submit">Record that the authority was notified</button>
        </form>
      )}
    </>
  );
}
