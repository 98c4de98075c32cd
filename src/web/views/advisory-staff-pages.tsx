import { ADVISORY_SEVERITIES, type AdvisoryDraft, LIMITS } from "../../domain/advisories/draft.js";
import { CREDIT_TYPES } from "../../domain/advisories/record.js";
import type { Advisory } from "../../store/advisories.js";
import { type ProgramPageBase, ProgramTrail } from "./program-pages.js";
import {
  Csrf,
  describedBy,
  type Errors,
  FieldError,
  Notice,
  ScrollingTable,
  StaffLayout,
  When,
} from "./staff-common.js";

/**
 * The team's advisory pages: a program's advisories (drafts and published ones) at
 * /advisories/{program}, and one advisory at /advisories/{program}/{id} with its draft, its
 * review and its published revisions. Those who may work the program's cases get the forms
 * (plain POSTs, no JavaScript): edit the draft, approve it, publish it; viewers read.
 */
type PageBase = ProgramPageBase;

/** One line per range: `asset | versions | status | fixed in or reason`. */
export function productLines(draft: AdvisoryDraft): string {
  return draft.products
    .flatMap((product) =>
      product.ranges.map((range) =>
        [product.id, range.versions, range.status, range.fixedIn ?? range.reason ?? ""].join(" | ").trimEnd(),
      ),
    )
    .join("\n");
}
/** One line per reference: `url | kind`. */
export const referenceLines = (draft: AdvisoryDraft) =>
  draft.references
    .map((reference) => [reference.url, reference.kind ?? ""].join(" | ").replace(/ \| $/, ""))
    .join("\n");
/** One line per credit: `name | type | url`. */
export const creditLines = (draft: AdvisoryDraft) =>
  draft.credits
    .map((credit) => [credit.name, credit.type, credit.url ?? ""].join(" | ").replace(/ \| $/, ""))
    .join("\n");

export function stateWords(advisory: Advisory): string {
  if (advisory.publishedVersion === null) return advisory.approvedBy === null ? "Draft" : "Draft, approved";
  const base = `Published, revision ${advisory.revisions}`;
  if (advisory.publishedVersion === advisory.draftVersion) return base;
  return `${base}; correction ${advisory.approvedBy === null ? "in draft" : "approved"}`;
}

export function AdvisoryListPage(props: PageBase & { advisories: Advisory[]; canWork: boolean }) {
  const { program } = props;
  const title = `Advisories of ${program.name}`;
  return (
    <StaffLayout title={title} csrfToken={props.csrfToken} email={props.email}>
      <ProgramTrail
        program={program}
        section={{ label: "advisories", href: `/advisories/${program.slug}` }}
      />
      <h1>{title}</h1>
      <p>
        Published advisories are listed at{" "}
        <a href={`/p/${program.slug}/advisories`}>the public security fixes page</a>. Create an advisory for a
        case from its page.
      </p>
      {props.advisories.length === 0 ? (
        <p>This program has no advisories yet.</p>
      ) : (
        <ScrollingTable label="Advisories">
          <table>
            <thead>
              <tr>
                <th scope="col">Advisory</th>
                <th scope="col">State</th>
                <th scope="col">Tracking id</th>
                <th scope="col">Last changed</th>
              </tr>
            </thead>
            <tbody>
              {props.advisories.map((advisory) => (
                <tr>
                  <th scope="row">
                    <a href={`/advisories/${program.slug}/${advisory.id}`}>
                      {advisory.draft.title === "" ? "(untitled)" : advisory.draft.title}
                    </a>
                  </th>
                  <td>{stateWords(advisory)}</td>
                  <td>{advisory.trackingId ?? "—"}</td>
                  <td>
                    <When date={advisory.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollingTable>
      )}
      {props.canWork ? (
        <form method="post" action={`/advisories/${program.slug}`}>
          <Csrf token={props.csrfToken} />
          <button type="submit">New standalone advisory</button>
        </form>
      ) : null}
    </StaffLayout>
  );
}

export interface AdvisoryPageProps extends PageBase {
  advisory: Advisory;
  /** User id → email. */
  names: ReadonlyMap<string, string>;
  canWork: boolean;
  /** The policy asks a second member to approve before publication (disclosure.advisories). */
  secondApproval: boolean;
  /** The published revisions, oldest first. */
  revisions: { number: number; publishedAt: Date; summary: string }[];
  notice?: string;
  errors: Errors;
  draft?: Record<string, string>;
}

export function AdvisoryPage(props: AdvisoryPageProps) {
  const { program, advisory } = props;
  const name = (userId: string) => props.names.get(userId) ?? userId;
  const title = advisory.draft.title === "" ? "Untitled advisory" : advisory.draft.title;
  const pending = advisory.publishedVersion !== advisory.draftVersion;
  const base = `/advisories/${program.slug}/${advisory.id}`;
  return (
    <StaffLayout title={title} csrfToken={props.csrfToken} email={props.email}>
      <ProgramTrail
        program={program}
        section={{ label: "advisories", href: `/advisories/${program.slug}` }}
        here={<code>{advisory.id}</code>}
      />
      <h1>{title}</h1>
      <Notice text={props.notice} />
      {props.errors.size === 0 ? null : (
        <div class="errors" role="alert">
          <p>The form has a problem; see the message beside the field.</p>
        </div>
      )}
      <dl class="facts">
        <dt>State</dt>
        <dd>{stateWords(advisory)}</dd>
        <dt>Tracking id</dt>
        <dd>
          {advisory.trackingId === null ? (
            "given on first publication"
          ) : (
            <a href={`/p/${program.slug}/advisories/${advisory.trackingId}`}>{advisory.trackingId}</a>
          )}
        </dd>
        <dt>Case</dt>
        <dd>
          {advisory.caseId === null ? (
            "none (standalone)"
          ) : (
            <a href={`/cases/${advisory.caseId}`}>{advisory.caseId}</a>
          )}
        </dd>
        <dt>Draft version</dt>
        <dd>{advisory.draftVersion}</dd>
        <dt>Last changed</dt>
        <dd>
          <When date={advisory.updatedAt} /> by {name(advisory.updatedBy)}
        </dd>
        <dt>Approval</dt>
        <dd>
          {advisory.approvedBy === null ? (
            pending ? (
              props.secondApproval ? (
                "not approved"
              ) : (
                "not needed: the program's policy asks for none"
              )
            ) : (
              "—"
            )
          ) : (
            <>
              approved by {name(advisory.approvedBy)} <When date={advisory.approvedAt} />
            </>
          )}
        </dd>
      </dl>

      <h2>Published revisions</h2>
      {props.revisions.length === 0 ? (
        <p>Not published yet.</p>
      ) : (
        <ol>
          {props.revisions.map((revision) => (
            <li>
              Revision {revision.number}, <When date={revision.publishedAt} />: {revision.summary}
            </li>
          ))}
        </ol>
      )}

      {props.canWork ? <ReviewForms {...props} base={base} pending={pending} /> : null}
      {props.canWork ? <EditForm {...props} base={base} /> : <DraftText draft={advisory.draft} />}
    </StaffLayout>
  );
}

function DraftText({ draft }: { draft: AdvisoryDraft }) {
  return (
    <section aria-labelledby="draft-heading">
      <h2 id="draft-heading">Draft</h2>
      <h3>Summary</h3>
      <pre class="answer">{draft.summary}</pre>
      <h3>Description</h3>
      <pre class="answer">{draft.description}</pre>
      <h3>Affected products</h3>
      <pre class="answer">{productLines(draft)}</pre>
    </section>
  );
}

function ReviewForms(props: AdvisoryPageProps & { base: string; pending: boolean }) {
  const { advisory, errors } = props;
  if (!props.pending) return null;
  const next = advisory.revisions + 1;
  const when = advisory.caseId === null ? "." : ", once the case is disclosed.";
  return (
    <section aria-labelledby="review-heading">
      <h2 id="review-heading">Review and publish</h2>
      {props.secondApproval ? (
        <p>
          Another member of the team than the one who last changed the draft approves it; then it may be
          published as revision {next}
          {when}
        </p>
      ) : (
        <p>
          The program's policy asks for no second approval: a member of the team may publish the draft as
          revision {next}
          {when}
        </p>
      )}
      <FieldError errors={errors} field="advisory" />
      {props.secondApproval && advisory.approvedBy === null ? (
        <form method="post" action={`${props.base}/approve`}>
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="version" value={String(advisory.draftVersion)} />
          <button type="submit">Approve version {advisory.draftVersion}</button>
        </form>
      ) : (
        <form method="post" action={`${props.base}/publish`}>
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="version" value={String(advisory.draftVersion)} />
          <button type="submit">Publish as revision {next}</button>
        </form>
      )}
    </section>
  );
}

function TextField(props: {
  id: string;
  label: string;
  value: string;
  errors: Errors;
  max: number;
  multiline?: boolean;
  help?: string;
}) {
  const help = props.help === undefined ? undefined : `${props.id}-help`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.help === undefined ? null : (
        <p class="hint" id={help}>
          {props.help}
        </p>
      )}
      <FieldError errors={props.errors} field={props.id} />
      {props.multiline === true ? (
        <textarea
          id={props.id}
          name={props.id}
          maxLength={props.max}
          aria-describedby={describedBy(props.errors, props.id, help)}
        >
          {props.value}
        </textarea>
      ) : (
        <input
          id={props.id}
          name={props.id}
          type="text"
          value={props.value}
          maxLength={props.max}
          aria-describedby={describedBy(props.errors, props.id, help)}
        />
      )}
    </div>
  );
}

function EditForm(props: AdvisoryPageProps & { base: string }) {
  const { advisory, errors } = props;
  const draft = advisory.draft;
  const typed = props.draft ?? {};
  const value = (field: string, stored: string) => typed[field] ?? stored;
  const severity = value("severity", draft.severity ?? "");
  return (
    <section aria-labelledby="edit-heading">
      <h2 id="edit-heading">Edit the draft</h2>
      {props.secondApproval ? (
        <p>Saving a change clears the approval: the changed draft needs one again.</p>
      ) : null}
      <form method="post" action={props.base}>
        <Csrf token={props.csrfToken} />
        <input type="hidden" name="version" value={String(advisory.draftVersion)} />
        <FieldError errors={errors} field="version" />
        <TextField
          id="title"
          label="Title"
          value={value("title", draft.title)}
          errors={errors}
          max={LIMITS.title}
        />
        <TextField
          id="summary"
          label="Summary (one paragraph, plain text)"
          value={value("summary", draft.summary)}
          errors={errors}
          max={LIMITS.summary}
          multiline
        />
        <TextField
          id="description"
          label="Description (Markdown)"
          value={value("description", draft.description)}
          errors={errors}
          max={LIMITS.description}
          multiline
        />
        <TextField
          id="cve-id"
          label="CVE id"
          value={value("cve-id", draft.cveId ?? "")}
          errors={errors}
          max={64}
        />
        <TextField
          id="aliases"
          label="Aliases (one per line)"
          value={value("aliases", draft.aliases.join("\n"))}
          errors={errors}
          max={2_000}
          multiline
        />
        <TextField
          id="cwe"
          label="CWE (CWE-79)"
          value={value("cwe", draft.cwe ?? "")}
          errors={errors}
          max={20}
        />
        <TextField
          id="cvss31"
          label="CVSS 3.1 vector"
          value={value("cvss31", draft.cvss31 ?? "")}
          errors={errors}
          max={LIMITS.vector}
        />
        <TextField
          id="cvss40"
          label="CVSS 4.0 vector"
          value={value("cvss40", draft.cvss40 ?? "")}
          errors={errors}
          max={LIMITS.vector}
        />
        <div class="field">
          <label for="severity">Severity</label>
          <FieldError errors={errors} field="severity" />
          <select id="severity" name="severity" aria-describedby={describedBy(errors, "severity")}>
            <option value="" selected={severity === ""}>
              from the CVSS score
            </option>
            {ADVISORY_SEVERITIES.map((option) => (
              <option value={option} selected={option === severity}>
                {option}
              </option>
            ))}
          </select>
        </div>
        <TextField
          id="products"
          label="Affected products"
          help="One range per line: asset id | versions | status (affected, not-affected, fixed, will-not-fix) | fixed in, or the reason."
          value={value("products", productLines(draft))}
          errors={errors}
          max={20_000}
          multiline
        />
        <TextField
          id="references"
          label="References"
          help="One per line: https URL | what it is (patch, release-notes, …)."
          value={value("references", referenceLines(draft))}
          errors={errors}
          max={20_000}
          multiline
        />
        <TextField
          id="credits"
          label="Credits"
          help={`One per line: name | type (${CREDIT_TYPES.join(", ")}) | https URL.`}
          value={value("credits", creditLines(draft))}
          errors={errors}
          max={20_000}
          multiline
        />
        <TextField
          id="revision-summary"
          label="What this revision changes (required for a correction)"
          value={value("revision-summary", draft.revisionSummary)}
          errors={errors}
          max={LIMITS.revisionSummary}
          multiline
        />
        <button type="submit">Save the draft</button>
      </form>
    </section>
  );
}
