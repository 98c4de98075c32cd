import { disclosedAtOf } from "../../../domain/announcements/publish-gate.js";
import { advisoryCreditsFor } from "../../../domain/credit/advisory.js";
import { CREDIT_GIVEN_EVENT, creditMonth, creditStatus } from "../../../domain/credit/choice.js";
import { NOT_CREDITED_WORDS } from "../../../domain/credit/rules.js";
import { acknowledgmentsMarkdown } from "../../../domain/credit/snippet.js";
import { creditChangesOf, creditGivenPayload } from "../../../store/credits.js";
import { Csrf, describedBy, FieldError, When } from "../staff-common.js";
import type { NameOf, PanelProps } from "./shared.js";

/** The form field of a place's note, by the place's position in the policy. */
export const creditNoteField = (index: number) => `credit-note-${index}`;

/**
 * The credit the policy promises (`recognition.credit`), as tasks: who is credited by the policy's
 * rules and whether it is published yet, then each place with what Embargo does there: the hall of
 * fame and the advisory are automatic, the source repository gets the acknowledgments snippet
 * (`embargo credits`), and HackerOne or an external list are marked done by a team member.
 */
export function Credit(props: PanelProps & { name: NameOf }) {
  const { found, program } = props;
  const policy = program.policy;
  const rule = policy.recognition.credit;
  if (rule === undefined) return null;
  const slug = policy.program.slug;
  const status = creditStatus(policy, {
    original: found.report.credit,
    changes: creditChangesOf(found.events),
    state: found.state,
    outcome: found.outcome,
    fixedAt: found.fixedAt,
    closedAt: found.closedAt,
    disclosedAt: disclosedAtOf(found.events),
    embargo: props.disclosure.embargo,
  });
  const { decision, publication } = status;
  const given = new Map<string, { actor: string; at: Date; note: string }>();
  for (const event of found.events) {
    if (event.type !== CREDIT_GIVEN_EVENT) continue;
    const parsed = creditGivenPayload.safeParse(event.payload);
    if (parsed.success)
      given.set(parsed.data.place, { actor: event.actor, at: event.at, note: parsed.data.note });
  }
  const credited = decision.credited ? decision : null;
  const snippet =
    credited === null
      ? null
      : acknowledgmentsMarkdown([
          {
            name: credited.name,
            link: credited.link,
            cveId: null,
            publishedAt: publication.published ? publication.at : null,
          },
        ]);
  const advisoryCredits = advisoryCreditsFor(policy, {
    credit: status.choice,
    outcome: found.outcome,
    fixedAt: found.fixedAt,
  });
  const draft = props.draft?.fields ?? {};
  return (
    <section aria-labelledby="credit-panel-heading">
      <h2 id="credit-panel-heading">Credit</h2>
      <FieldError errors={props.errors} field="credit-panel" />
      <dl class="facts">
        <dt>By the policy's rules</dt>
        <dd>
          {credited === null ? (
            NOT_CREDITED_WORDS[decision.credited ? "no-name" : decision.reason]
          ) : (
            <>
              Credited as {credited.name} ({credited.mode})
              {credited.link === null ? "" : ` · ${credited.link}`}
            </>
          )}
          {found.outcome === "duplicate" && found.duplicateOf !== null && rule.firstReporterOnly ? (
            <>
              {" "}
              The original, <a href={`/cases/${found.duplicateOf}`}>{found.duplicateOf}</a>, keeps the credit.
            </>
          ) : null}
        </dd>
        <dt>Published</dt>
        <dd>
          {publication.published
            ? `yes${publication.at === null ? "" : `, ${creditMonth(publication.at)}`}: the reporter's choice is fixed`
            : "not yet: the reporter may still change their choice on their page"}
        </dd>
      </dl>
      <h3>Where the program credits</h3>
      <ul>
        {rule.places.map((place, index) => {
          const done = given.get(place.name);
          return (
            <li>
              <strong>{place.name}</strong>
              {place.url === undefined ? null : (
                <>
                  {" "}
                  (<a href={place.url}>{place.url}</a>)
                </>
              )}
              :{" "}
              {place.kind === "hall-of-fame" ? (
                <>
                  automatic: listed on <a href={`/p/${slug}/hall-of-fame`}>the hall of fame</a> once
                  published.
                </>
              ) : place.kind === "advisory" ? (
                <>
                  automatic: the advisory record's credits{" "}
                  {advisoryCredits.length === 0
                    ? "name nobody."
                    : `name ${advisoryCredits.map((c) => `${c.name} (${c.type})`).join(", ")}.`}
                </>
              ) : place.kind === "source-repository" ? (
                <>
                  the acknowledgments snippet, from <code>embargo credits --program {slug}</code>
                  {snippet === null ? ": nothing for this case." : "; this case's line:"}
                  {snippet === null ? null : <pre class="answer">{snippet}</pre>}
                </>
              ) : done !== undefined ? (
                <>
                  done by {creditActor(done.actor, props.name)}, <When date={done.at} />
                  {done.note === "" ? "." : `: ${done.note}`}
                </>
              ) : props.canWork ? (
                <form method="post" action={`${props.base}/credit-given`}>
                  <Csrf token={props.csrfToken} />
                  <input type="hidden" name="place" value={place.name} />
                  <div class="field">
                    <label for={creditNoteField(index)}>Note (optional): where, or a link</label>
                    <FieldError errors={props.errors} field={creditNoteField(index)} />
                    <input
                      type="text"
                      id={creditNoteField(index)}
                      name="note"
                      maxLength={2000}
                      value={draft.place === place.name ? (draft.note ?? "") : ""}
                      aria-describedby={describedBy(props.errors, creditNoteField(index))}
                    />
                  </div>
                  <button type="submit">Mark credited on {place.name}</button>
                </form>
              ) : (
                "not marked done yet."
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function creditActor(actor: string, name: NameOf): string {
  return actor.startsWith("team:") ? name(actor.slice("team:".length)) : actor;
}
