import { outcomeLabel, stateLabel, When } from "../staff-common.js";
import type { CasePageProps, NameOf } from "./shared.js";

/** The case at a glance: program, state, when and how it came, asset, who works and follows it. */
export function CaseFacts({
  found,
  program,
  name,
}: Pick<CasePageProps, "found" | "program"> & { name: NameOf }) {
  const policy = program.policy;
  const asset = policy.scope.inScope.find((a) => a.id === found.assetId);
  return (
    <dl class="facts">
      <dt>Program</dt>
      <dd>{policy.program.name}</dd>
      <dt>State</dt>
      <dd>
        {stateLabel(found.state)}
        {found.outcome === null ? null : ` (${outcomeLabel(found.outcome)})`}
        {found.duplicateOf === null ? null : (
          <>
            {" "}
            of <a href={`/cases/${found.duplicateOf}`}>{found.duplicateOf}</a>
          </>
        )}
      </dd>
      <dt>Received</dt>
      <dd>
        <When date={found.receivedAt} /> via {found.source}
      </dd>
      <dt>Asset</dt>
      <dd>{asset?.name ?? found.assetId ?? "—"}</dd>
      <dt>Assignee</dt>
      <dd>{found.assignee === null ? "Unassigned" : name(found.assignee)}</dd>
      <dt>Followers</dt>
      <dd>{found.followers.length === 0 ? "—" : found.followers.map(name).join(", ")}</dd>
      <dt>Tags</dt>
      <dd>{found.tags.length === 0 ? "—" : found.tags.join(", ")}</dd>
      {found.agreementDueAt === null ? null : (
        <>
          <dt>Reporter's agreement</dt>
          <dd>
            asked, due <When date={found.agreementDueAt} />
          </dd>
        </>
      )}
    </dl>
  );
}
