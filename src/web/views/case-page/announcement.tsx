import { announcementDue } from "../../../domain/announcements/decisions.js";
import { type AnnouncementHistory, announcementHistory } from "../../../domain/announcements/history.js";
import { disclosedAtOf, publishGate } from "../../../domain/announcements/publish-gate.js";
import { SLUG_MAX } from "../../../domain/announcements/slug.js";
import { publicTextWordingProblem } from "../../../domain/disclosure/wording.js";
import { incidentWorkOf } from "../../../store/incident-work.js";
import { AnnouncementBody } from "../announcement-pages.js";
import { Csrf, describedBy, FieldError, FormError, When } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * The case's public announcement (programs whose policy sets `disclosure.publicAnnouncement`;
 * nothing otherwise): the draft with a preview, who approved it, whether the disclosure date has
 * passed, where it is published; and for those who may work the case, the forms to write a
 * revision, approve it (someone other than its author) and publish it. The rules are
 * src/domain/announcements; the same ones refuse a form with the reason shown here.
 */
export function Announcement(props: PanelProps) {
  const { program, found } = props;
  const policy = program.policy;
  if (!policy.disclosure.publicAnnouncement) return null;
  const history = announcementHistory(found.events);
  const due = announcementDue(policy.incident.phases, incidentWorkOf(found.events).phases, history);
  const listUrl = `/p/${policy.program.slug}/announcements`;
  return (
    <section aria-labelledby="announcement-heading">
      <h2 id="announcement-heading">Public announcement</h2>
      <FormError errors={props.errors} field="announcement" />
      {due === null ? null : (
        <p>
          <strong>An announcement is due: write the draft</strong> ({due} is completed, and the policy says it
          ends in a public announcement).
        </p>
      )}
      {history.published === null ? null : (
        <p>
          Published <When date={history.published.at} /> at{" "}
          <a href={`${listUrl}/${history.published.slug}`}>
            {listUrl}/{history.published.slug}
          </a>
          . Published announcements are final.
        </p>
      )}
      <DraftState {...props} history={history} listUrl={listUrl} />
      {props.canWork && history.published === null ? (
        <AnnouncementForms {...props} history={history} />
      ) : null}
    </section>
  );
}

/** The latest revision: who wrote and approved it, whether it may be published now, and a preview. */
function DraftState(props: PanelProps & { history: AnnouncementHistory; listUrl: string }) {
  const { found, history } = props;
  const latest = history.latest;
  if (latest === null) return <p class="meta">No draft yet.</p>;
  const name = (actor: string) => {
    const userId = actor.startsWith("team:") ? actor.slice("team:".length) : actor;
    return props.names.get(userId) ?? userId;
  };
  const gate = publishGate({
    disclosedAt: disclosedAtOf(found.events),
    embargo: props.disclosure.embargo,
    state: found.state,
    outcome: found.outcome,
  });
  return (
    <>
      <dl class="facts">
        <dt>Draft</dt>
        <dd>
          Revision {history.revisions.length}, by {name(latest.author)}, <When date={latest.at} />
        </dd>
        <dt>Review</dt>
        <dd>
          {history.approval === null ? (
            "Not approved: another member of the team (not its author) must approve this revision."
          ) : (
            <>
              Approved by {name(history.approval.by)}, <When date={history.approval.at} />
            </>
          )}
        </dd>
        {history.published !== null ? null : (
          <>
            <dt>Publishing</dt>
            <dd>{gate.open ? `Allowed: ${gate.reason}.` : `Not yet: ${gate.reason}.`}</dd>
          </>
        )}
        <dt>Address</dt>
        <dd>
          <code>
            {props.listUrl}/{latest.slug}
          </code>
        </dd>
      </dl>
      <WordingCheck {...props} revision={latest} />
      <h3>Preview: {latest.title}</h3>
      <div class="announcement">
        <AnnouncementBody markdown={latest.body} />
      </div>
    </>
  );
}

function AnnouncementForms(props: PanelProps & { history: AnnouncementHistory }) {
  const { history, errors } = props;
  const latest = history.latest;
  const sent = props.draft?.fields ?? {};
  const mine = latest !== null && latest.author === `team:${props.userId}`;
  return (
    <>
      {latest === null || history.approval !== null ? null : mine ? (
        <p class="meta">You wrote this revision: another member of the team approves it.</p>
      ) : (
        <form method="post" action={`${props.base}/announcement-approve`}>
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="revision" value={String(latest.seq)} />
          <button type="submit">Approve revision {history.revisions.length}</button>
        </form>
      )}
      {latest === null || history.approval === null ? null : (
        <form method="post" action={`${props.base}/announcement-publish`}>
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="revision" value={String(latest.seq)} />
          <button type="submit">Publish the announcement</button>
        </form>
      )}
      <form method="post" action={`${props.base}/announcement-draft`}>
        <Csrf token={props.csrfToken} />
        <h3>{latest === null ? "Write the draft" : "Edit the draft"}</h3>
        <p class="help">
          Each save is a new revision; an approved draft that is edited needs approving again.
        </p>
        <WordingHelp {...props} />
        <div class="field">
          <label for="announcement-title">Title</label>
          <FieldError errors={errors} field="announcement-title" />
          <input
            type="text"
            id="announcement-title"
            name="announcement-title"
            value={sent["announcement-title"] ?? latest?.title ?? ""}
            aria-describedby={describedBy(errors, "announcement-title")}
          />
        </div>
        <div class="field">
          <label for="announcement-slug">Slug (the last part of its address)</label>
          <p class="help" id="announcement-slug-help">
            Lowercase letters, digits and hyphens, at most {SLUG_MAX}; leave empty to make it from the title.
          </p>
          <FieldError errors={errors} field="announcement-slug" />
          <input
            type="text"
            id="announcement-slug"
            name="announcement-slug"
            value={sent["announcement-slug"] ?? latest?.slug ?? ""}
            aria-describedby={describedBy(errors, "announcement-slug", "announcement-slug-help")}
          />
        </div>
        <div class="field">
          <label for="announcement-body">Text</label>
          <p class="help" id="announcement-body-help">
            Markdown: paragraphs, "- " lists, **bold**, *italic*, `code`, ``` code blocks, [links](https://…).
            HTML is shown as text.
          </p>
          <FieldError errors={errors} field="announcement-body" />
          <textarea
            id="announcement-body"
            name="announcement-body"
            aria-describedby={describedBy(errors, "announcement-body", "announcement-body-help")}
          >
            {sent["announcement-body"] ?? latest?.body ?? ""}
          </textarea>
        </div>
        <button type="submit">Save the draft</button>
      </form>
    </>
  );
}

/**
 * Where the policy's wording applies to all public texts (`disclosure.wording.appliesTo: all`):
 * the words approving and publishing refuse, and the policy's guidance, beside the draft form.
 */
function WordingHelp(props: PanelProps) {
  const wording = props.program.policy.disclosure.wording;
  if (wording === undefined || wording.appliesTo !== "all") return null;
  return (
    <p class="help" id="announcement-wording-help">
      Approving and publishing check the title and text for the words the policy keeps out of public texts:{" "}
      {wording.forbiddenWords.join(", ")}
      {wording.exceptions === undefined || wording.exceptions.length === 0
        ? ""
        : ` (allowed within: ${wording.exceptions.join("; ")})`}
      .{wording.guidance === undefined ? null : <> Guidance: {wording.guidance}</>}
    </p>
  );
}

/** The latest revision's forbidden words, before anyone tries to approve or publish it. */
function WordingCheck(props: PanelProps & { revision: { title: string; body: string } }) {
  const problem = publicTextWordingProblem(props.program.policy.disclosure.wording, [
    { name: "title", text: props.revision.title, lines: false },
    { name: "text", text: props.revision.body, lines: true },
  ]);
  if (problem === null) return null;
  return (
    <p>
      <strong>This revision cannot be approved or published as it is.</strong> {problem}
    </p>
  );
}
