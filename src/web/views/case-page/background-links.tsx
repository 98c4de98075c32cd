import {
  currentBackgroundLinks,
  isWebLink,
  LINK_FIELD,
  MAX_BACKGROUND_LINKS,
  MAX_LINK_CHARS,
} from "../../../commands/background-links.js";
import { Csrf, describedBy, FieldError, FormError } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * Where the incident came from or is discussed (`incident.register.backgroundLinks`): the case's
 * links, each opened without a referrer or a handle on this page, and for those who may work the
 * case a form to add one and a button to remove each. Internal: the reporter does not see them.
 */
export function BackgroundLinks(props: PanelProps) {
  const { found, errors, base } = props;
  // A link posted to a program that keeps none (the form is not shown): only the refusal.
  if (props.program.policy.incident.register?.backgroundLinks !== true)
    return <FormError errors={errors} field={LINK_FIELD} />;
  const links = currentBackgroundLinks(found.events);
  const draft = props.draft?.fields.action === "add" ? (props.draft.fields.url ?? "") : "";
  return (
    <section aria-labelledby="background-links-heading">
      <h2 id="background-links-heading">Background links</h2>
      {links.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <ul class="links">
          {links.map((url) => (
            <li>
              {/* Only http(s) URLs are ever stored; checked again so no other scheme becomes a link. */}
              {isWebLink(url) ? (
                <a href={url} rel="noopener noreferrer" target="_blank">
                  {url}
                </a>
              ) : (
                <code class="vector">{url}</code>
              )}
              {props.canWork ? (
                <form method="post" action={`${base}/background-links`} class="inline">
                  <Csrf token={props.csrfToken} />
                  <input type="hidden" name="action" value="remove" />
                  <input type="hidden" name="url" value={url} />{" "}
                  <button type="submit" class="link">
                    Remove
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {props.canWork ? (
        <form method="post" action={`${base}/background-links`}>
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="action" value="add" />
          <div class="field">
            <label for={LINK_FIELD}>Add a link (https:// or http://)</label>
            <p class="help" id="background-link-help">
              A support ticket, an alert, an issue: at most {MAX_BACKGROUND_LINKS} links. Only the team sees
              them.
            </p>
            <FieldError errors={errors} field={LINK_FIELD} />
            <input
              type="url"
              id={LINK_FIELD}
              name="url"
              value={draft}
              maxLength={MAX_LINK_CHARS}
              aria-describedby={describedBy(errors, LINK_FIELD, "background-link-help")}
            />
          </div>
          <button type="submit">Add link</button>
        </form>
      ) : null}
    </section>
  );
}
