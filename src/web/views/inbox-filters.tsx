import { CASE_STATES } from "../../domain/lifecycle/index.js";
import { SEVERITIES } from "../../policy/schema.js";
import type { InboxQueryValue } from "../routes/inbox-query.js";
import { stateLabel } from "./staff-common.js";

/**
 * The inbox's filters (src/web/views/inbox.tsx): saved views as links, then one GET form that is
 * a search line with the other filters folded in a <details> (no JavaScript: a closed <details>
 * still sends its fields, so searching keeps them). Every filter is a query parameter, so any
 * view can be bookmarked.
 */
export interface InboxFilterChoices {
  programs: { slug: string; name: string }[];
  assets: { id: string; name: string }[];
  team: { id: string; email: string }[];
  /** The team groups of the programs shown (`team.groups`), as the assignee filter offers them. */
  groups: { id: string; name: string }[];
}

/**
 * Saved views: plain links to the filters they stand for, so they work without JavaScript and can
 * be bookmarked. The one whose filters are exactly those shown is marked as the current page.
 */
const SAVED_VIEWS: readonly {
  name: string;
  title: string;
  query: Readonly<Record<string, string>>;
}[] = [
  { name: "All open", title: "Every case that is not closed", query: {} },
  { name: "Mine", title: "Open cases assigned to me", query: { assignee: "me" } },
  { name: "Overdue", title: "Open cases past a deadline", query: { overdue: "yes" } },
  { name: "New", title: "Cases not triaged yet", query: { state: "new" } },
];

/** The filters in use: every query value but the page's position and size, and `state=open` (the default). */
function filtersInUse(query: InboxQueryValue): Record<string, string> {
  const used: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (name === "after" || name === "limit" || value === undefined || value === "") continue;
    if (name === "state" && value === "open") continue;
    used[name] = String(value);
  }
  return used;
}

export function SavedViews({ query }: { query: InboxQueryValue }) {
  const used = filtersInUse(query);
  const isCurrent = (view: Readonly<Record<string, string>>) =>
    Object.keys(used).length === Object.keys(view).length &&
    Object.entries(view).every(([name, value]) => used[name] === value);
  return (
    <nav class="saved-views" aria-label="Saved views">
      <ul>
        {SAVED_VIEWS.map((view) => (
          <li>
            <a
              href={`/inbox${Object.keys(view.query).length === 0 ? "" : `?${new URLSearchParams({ ...view.query }).toString()}`}`}
              title={view.title}
              aria-current={isCurrent(view.query) ? "page" : undefined}
            >
              {view.name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Select(props: {
  id: string;
  label: string;
  value: string | undefined;
  options: readonly (readonly [string, string])[];
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id}>
        {props.options.map(([value, text]) => (
          <option value={value} selected={(props.value ?? "") === value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

export function InboxFilters({ query, choices }: { query: InboxQueryValue; choices: InboxFilterChoices }) {
  const state = query.state || "open";
  const folded = Object.keys(filtersInUse(query)).filter((name) => name !== "q").length;
  // The reference of case 12 in the first program shown, as an example of what the search reads.
  const example = `${(choices.programs[0]?.slug ?? "kitsu").toUpperCase()}-12`;
  return (
    <form method="get" action="/inbox" class="filters" aria-label="Search and filter cases">
      <div class="search-line">
        <label for="q">Search words in reports, messages and notes, or a case number ({example}, #12)</label>
        <input type="search" id="q" name="q" value={query.q ?? ""} maxLength={200} />
        <button type="submit">Search</button>
      </div>
      <details class="more-filters">
        <summary>More filters{folded === 0 ? null : ` (${folded} in use)`}</summary>
        <div class="filter-grid">
          <Select
            id="program"
            label="Program"
            value={query.program}
            options={[["", "All programs"], ...choices.programs.map((p) => [p.slug, p.name] as const)]}
          />
          <Select
            id="state"
            label="State"
            value={state}
            options={[
              ["open", "Open (not closed)"],
              ["any", "Any state"],
              ...CASE_STATES.map((s) => [s, stateLabel(s)] as const),
            ]}
          />
          <Select
            id="severity"
            label="Severity"
            value={query.severity}
            options={[["", "Any severity"], ...SEVERITIES.map((s) => [s, s] as const)]}
          />
          <Select
            id="assignee"
            label="Assignee"
            value={query.assignee}
            options={[
              ["", "Anyone"],
              ["me", "Me"],
              ["unassigned", "Unassigned"],
              ...choices.groups.map((g) => [g.id, g.name] as const),
              ...choices.team.map((m) => [m.id, m.email] as const),
            ]}
          />
          <Select
            id="asset"
            label="Asset"
            value={query.asset}
            options={[["", "Any asset"], ...choices.assets.map((a) => [a.id, a.name] as const)]}
          />
          <Select
            id="source"
            label="Source"
            value={query.source}
            options={[
              ["", "Any source"],
              ["web", "Web form"],
              ["api", "API"],
              ["email", "Email"],
              ["staff", "Opened by the team"],
            ]}
          />
          <div class="field">
            <label for="tag">Tag</label>
            <input type="text" id="tag" name="tag" value={query.tag ?? ""} maxLength={48} />
          </div>
          <Select
            id="overdue"
            label="Deadline"
            value={query.overdue}
            options={[
              ["", "Any"],
              ["yes", "Overdue"],
              ["no", "Not overdue"],
            ]}
          />
        </div>
        <button type="submit">Show cases</button> <a href="/inbox">Clear filters</a>
      </details>
    </form>
  );
}
