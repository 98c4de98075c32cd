import { affectedMatrixOf } from "../../../commands/affected.js";
import { currentIdentifiers } from "../../../commands/case-identifiers.js";
import { linkedCasesOf, relatedCasesItem } from "../../../commands/related-cases.js";
import { disclosedAtOf } from "../../../domain/announcements/publish-gate.js";
import {
  AFFECTED_STATUSES,
  type AffectedCell,
  assetName,
  describeOwed,
  MAX_ALIASES,
  MAX_REASON_CHARS,
  MAX_VERSION_CHARS,
  productionReleasesOwed,
  STATUS_LABELS,
} from "../../../domain/disclosure/affected.js";
import { checklistMarks, markKey } from "../../../domain/incident/checklist.js";
import { incidentWorkOf } from "../../../store/incident-work.js";
import { Csrf, describedBy, FieldError, FormError } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/** The form field that shows a refusal of the matrix's commands (src/web/routes/staff/case-form-affected.ts). */
export const affectedField = (field: string): string => `affected-${field}`;

/**
 * The case's affected releases (src/domain/disclosure/affected.ts): its CVE id and aliases, the
 * matrix of the program's releases and those added on the case with a status each, what the
 * policy still owes before the case is fixed (`incident.fixAllProductionReleases`), and each
 * phase's related-cases task with the cases it links. Forms for those who may work the case; all
 * of it internal until the case is disclosed, when the matrix (without the releases still under
 * investigation) is published.
 */
export function AffectedReleases(props: PanelProps) {
  const { found, program, errors, base } = props;
  const policy = program.policy;
  const matrix = affectedMatrixOf(policy, found.events);
  const identifiers = currentIdentifiers(found.events);
  const owed = productionReleasesOwed(policy, matrix);
  const disclosed = disclosedAtOf(found.events) !== null;
  const draft = props.draft?.fields;
  const assets = policy.scope.inScope;
  return (
    <section aria-labelledby="affected-heading">
      <h2 id="affected-heading">Affected releases</h2>
      <p class="meta">
        {disclosed
          ? "The case is disclosed: these releases (all but those under investigation) are published."
          : "Internal until the case is disclosed; then these releases (all but those under investigation) are published."}
      </p>

      <h3>Identifiers</h3>
      <p>
        CVE id: {identifiers.cveId === null ? <em>none</em> : <code>{identifiers.cveId}</code>}
        {identifiers.aliases.length === 0 ? null : (
          <>
            {" "}
            · aliases:{" "}
            {identifiers.aliases.map((alias, index) => (
              <>
                {index === 0 ? null : ", "}
                <code>{alias}</code>
              </>
            ))}
          </>
        )}
      </p>
      {props.canWork ? (
        <form method="post" action={`${base}/identifiers`}>
          <Csrf token={props.csrfToken} />
          <div class="field">
            <label for="cveId">CVE id</label>
            <p class="help" id="cve-id-help">
              CVE-YEAR-NUMBER, unique in this program; empty removes it.
            </p>
            <FieldError errors={errors} field="cveId" />
            <input
              type="text"
              id="cveId"
              name="cve-id"
              value={draft?.["cve-id"] ?? identifiers.cveId ?? ""}
              maxLength={40}
              aria-describedby={describedBy(errors, "cveId", "cve-id-help")}
            />
          </div>
          <div class="field">
            <label for="aliases">Aliases</label>
            <p class="help" id="aliases-help">
              Other ids of this issue (GHSA-…, a report number elsewhere), separated by spaces or new lines;
              at most {MAX_ALIASES}.
            </p>
            <FieldError errors={errors} field="aliases" />
            <textarea
              id="aliases"
              name="aliases"
              rows={2}
              aria-describedby={describedBy(errors, "aliases", "aliases-help")}
            >
              {draft?.aliases ?? identifiers.aliases.join("\n")}
            </textarea>
          </div>
          <button type="submit">Save identifiers</button>
        </form>
      ) : null}

      <h3>Releases</h3>
      {policy.incident.fixAllProductionReleases === true ? (
        owed.length === 0 ? (
          <p>Every release in production is fixed or not affected: the case may be marked fixed.</p>
        ) : (
          <p>
            <strong>Before the case is fixed</strong>, this program fixes every release in production; still
            owed: {owed.map(describeOwed).join("; ")}.
          </p>
        )
      ) : null}
      {["asset", "version", "status", "fixedIn", "reason", "inProduction"].map((field) => (
        <FormError errors={errors} field={affectedField(field)} />
      ))}
      {matrix.length === 0 ? (
        <p>The policy lists no releases; add the ones this case concerns.</p>
      ) : (
        <section class="table-scroll" aria-label="Matrix of releases and their status" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Release</th>
                <th scope="col">In production</th>
                <th scope="col">Status</th>
                {props.canWork ? <th scope="col">Change</th> : null}
              </tr>
            </thead>
            <tbody>
              {matrix.map((cell) => (
                <tr>
                  <th scope="row">
                    {assetName(policy, cell.asset)} <code>{cell.version}</code>
                    {cell.source === "case" ? <span class="meta"> (added on the case)</span> : null}
                  </th>
                  <td>{cell.inProduction ? "yes" : "no"}</td>
                  <td>{statusText(cell)}</td>
                  {props.canWork ? (
                    <td>
                      <CellForm {...props} cell={cell} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {props.canWork ? (
        <form method="post" action={`${base}/releases`}>
          <Csrf token={props.csrfToken} />
          <fieldset>
            <legend>Add a release to this case</legend>
            <label for="release-asset">Asset</label>{" "}
            <select id="release-asset" name="asset">
              {assets.map((asset) => (
                <option value={asset.id} selected={draft?.asset === asset.id}>
                  {asset.name}
                </option>
              ))}
            </select>{" "}
            <label for="release-version">Version or range</label>{" "}
            <input
              type="text"
              id="release-version"
              name="version"
              maxLength={MAX_VERSION_CHARS}
              placeholder="7.2.1, 6.x or live"
              required
            />{" "}
            <label>
              <input type="checkbox" name="in-production" value="yes" checked /> In production
            </label>{" "}
            <button type="submit">Add release</button>
          </fieldset>
        </form>
      ) : null}

      <RelatedCases {...props} />
    </section>
  );
}

function statusText(cell: AffectedCell): string {
  const label = STATUS_LABELS[cell.status];
  if (cell.status === "fixed") return `fixed in ${cell.fixedIn ?? "?"}`;
  return cell.reason === null ? label : `${label}: ${cell.reason}`;
}

/** One cell's form: the status, and the fix version or the reason it needs. */
function CellForm(props: PanelProps & { cell: AffectedCell }) {
  const { cell } = props;
  const id = `cell-${cell.asset}-${cell.version}`.replace(/[^A-Za-z0-9_-]+/g, "-");
  return (
    <form method="post" action={`${props.base}/affected`} class="inline">
      <Csrf token={props.csrfToken} />
      <input type="hidden" name="asset" value={cell.asset} />
      <input type="hidden" name="version" value={cell.version} />
      <label for={`${id}-status`} class="visually-hidden">
        Status of {cell.asset} {cell.version}
      </label>
      <select id={`${id}-status`} name="status">
        {AFFECTED_STATUSES.map((status) => (
          <option value={status} selected={status === cell.status}>
            {STATUS_LABELS[status]}
          </option>
        ))}
      </select>{" "}
      <label for={`${id}-fixed`} class="visually-hidden">
        Fixed in (for fixed)
      </label>
      <input
        type="text"
        id={`${id}-fixed`}
        name="fixed-in"
        value={cell.fixedIn ?? ""}
        maxLength={MAX_VERSION_CHARS}
        placeholder="Fixed in (for fixed)"
      />{" "}
      <label for={`${id}-reason`} class="visually-hidden">
        Reason (for will not fix)
      </label>
      <input
        type="text"
        id={`${id}-reason`}
        name="reason"
        value={cell.reason ?? ""}
        maxLength={MAX_REASON_CHARS}
        placeholder="Reason (for will not fix)"
      />{" "}
      <button type="submit">
        Save {cell.asset} {cell.version}
      </button>
    </form>
  );
}

/**
 * Each phase's related-cases task (`incident.phases[].relatedCasesTask`): checked or not, the cases
 * it links, and a form offering the likely duplicates as candidates besides ids typed in.
 */
function RelatedCases(props: PanelProps) {
  const phases = props.program.policy.incident.phases.flatMap((phase) => {
    const item = relatedCasesItem(phase);
    return item === undefined ? [] : [{ phase, item }];
  });
  if (phases.length === 0) return <FormError errors={props.errors} field="related" />;
  const marks = checklistMarks(incidentWorkOf(props.found.events).checklist);
  const titles = new Map(props.duplicates.map((hint) => [hint.id, hint.title]));
  return (
    <>
      <h3>Related cases</h3>
      <FieldError errors={props.errors} field="related" />
      {phases.map(({ phase, item }) => {
        const list = `phase:${phase.id}`;
        const mark = marks.get(markKey(list, item.key));
        const done = mark?.done === true;
        const linked = linkedCasesOf(props.found.events, list, item.key);
        const candidates = [
          ...linked,
          ...props.duplicates.map((hint) => hint.id).filter((id) => !linked.includes(id)),
        ];
        const otherId = `related-other-${phase.id}`;
        return (
          <div>
            <p>
              <span aria-hidden="true">{done ? "☑" : "☐"}</span> {phase.name}: {item.text}{" "}
              <span class="meta">
                {done ? "done" : "not done"}
                {mark === undefined || mark.note === "" ? null : `: ${mark.note}`}
              </span>
            </p>
            {linked.length === 0 ? (
              <p>No related case linked yet.</p>
            ) : (
              <ul class="links" aria-label={`Cases linked by ${item.text}`}>
                {linked.map((id) => (
                  <li>
                    <a href={`/cases/${id}`}>{titles.get(id) ?? id}</a> <code>{id}</code>
                  </li>
                ))}
              </ul>
            )}
            {props.canWork ? (
              <form method="post" action={`${props.base}/related-cases`}>
                <Csrf token={props.csrfToken} />
                <input type="hidden" name="phase" value={phase.id} />
                <fieldset>
                  <legend>Cases related to this one</legend>
                  {candidates.length === 0 ? (
                    <p class="meta">No likely duplicate to offer; type the ids of the cases you found.</p>
                  ) : (
                    candidates.map((id) => (
                      <label>
                        <input type="checkbox" name="related" value={id} checked={linked.includes(id)} />{" "}
                        {titles.get(id) ?? id} <code>{id}</code>
                        {linked.includes(id) ? null : <span class="meta"> (likely duplicate)</span>}
                      </label>
                    ))
                  )}
                  <label for={otherId}>Other case ids (from search), separated by spaces</label>
                  <input type="text" id={otherId} name="related-other" maxLength={2000} />
                  <label for={`${otherId}-note`}>Note</label>
                  <input
                    type="text"
                    id={`${otherId}-note`}
                    name="note"
                    maxLength={2000}
                    value={mark?.note ?? ""}
                  />
                  <label>
                    <input type="checkbox" name="done" value="yes" checked={done} /> {item.text}: done
                  </label>
                </fieldset>
                <button type="submit">Save related cases</button>
              </form>
            ) : null}
          </div>
        );
      })}
    </>
  );
}
