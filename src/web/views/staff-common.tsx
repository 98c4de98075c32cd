import { type ComponentChildren, createContext, type VNode } from "preact";
import { useContext } from "preact/hooks";
import { Layout } from "./layout.js";

/**
 * Pieces shared by the staff pages: the page shell with its navigation, CSRF fields, notices and
 * field errors, and the words for states, outcomes and event types.
 */
export type Errors = ReadonlyMap<string, string>;

/** What every staff page shows around its content: administrators' links and the banners that concern the member. */
export interface StaffChrome {
  admin: boolean;
  /** Problems an administrator must act on (mail not configured), shown at the top of every page. */
  banners: readonly string[];
}

const StaffChromeContext = createContext<StaffChrome>({ admin: false, banners: [] });

/** `page` with the member's chrome, for StaffLayout to read: the senders set it, not every page. */
export function withStaffChrome(page: VNode, chrome: StaffChrome): VNode {
  return <StaffChromeContext.Provider value={chrome}>{page}</StaffChromeContext.Provider>;
}

export function StaffLayout(props: {
  title: string;
  csrfToken: string;
  email: string;
  children: ComponentChildren;
  /** Scripts the page adds (same-origin files under /assets/; the page works without them). */
  scripts?: string[];
}) {
  const chrome = useContext(StaffChromeContext);
  return (
    <Layout
      title={props.title}
      // The keyboard shortcuts (/help/keys) on every staff page; a page's own scripts after them.
      scripts={["/assets/keys.js", ...(props.scripts ?? [])]}
      nav={
        <nav class="staff-nav" aria-label="Workspace">
          <a href="/inbox">Inbox</a>
          <a href="/cwe">CWE lookup</a>
          <a href="/mail/queue">Mail</a>
          <a href="/dashboard">Metrics</a>
          {chrome.admin && <a href="/admin/deliveries">Deliveries</a>}
          <a href="/account">{props.email}</a>
          <form method="post" action="/logout" class="inline">
            <Csrf token={props.csrfToken} />
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        </nav>
      }
    >
      {chrome.banners.map((banner) => (
        <p class="banner" role="alert">
          {banner}
        </p>
      ))}
      {props.children}
      <footer class="staff-footer">
        <a href="/help/keys">Keyboard shortcuts</a>
      </footer>
    </Layout>
  );
}

/**
 * A table that may be wider than a phone: it scrolls in its own box, which keyboard users can
 * focus to scroll (a scrollable region must be focusable).
 */
export function ScrollingTable({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <section class="table-scroll" aria-label={label} tabindex={0}>
      {children}
    </section>
  );
}

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** A notice after an action, announced by screen readers (the region is always there). */
export function Notice({ text }: { text: string | undefined }) {
  return (
    <div class="notice" role="status" aria-live="polite">
      {text === undefined ? null : <p>{text}</p>}
    </div>
  );
}

export function FieldError({ errors, field }: { errors: Errors; field: string }) {
  const message = errors.get(field);
  return message === undefined ? null : (
    <p class="error" id={`${field}-error`}>
      {message}
    </p>
  );
}

export function FormError({ errors, field }: { errors: Errors; field: string }) {
  const message = errors.get(field);
  return message === undefined ? null : (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/** `aria-describedby` for a field: its help text and its error, when there are any. */
export const describedBy = (errors: Errors, field: string, help?: string) =>
  [help, errors.has(field) ? `${field}-error` : undefined].filter(Boolean).join(" ") || undefined;

export function When({ date }: { date: Date | null }) {
  if (date === null) return <>—</>;
  return <time datetime={date.toISOString()}>{formatInstant(date)}</time>;
}

export function formatInstant(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/:\d{2}\.\d{3}Z$/, " UTC");
}

export const STATE_LABELS: Readonly<Record<string, string>> = {
  new: "New",
  triaged: "Triaged",
  "in-progress": "In progress",
  "needs-info": "Needs information",
  fixed: "Fixed",
  disclosed: "Disclosed",
  closed: "Closed",
};

export const OUTCOME_LABELS: Readonly<Record<string, string>> = {
  resolved: "Resolved",
  duplicate: "Duplicate",
  informative: "Informative",
  "not-applicable": "Not applicable",
  "out-of-scope": "Out of scope",
  "third-party": "Third party",
  spam: "Spam",
  "no-incident": "No incident",
};

export const stateLabel = (state: string) => STATE_LABELS[state] ?? state;
export const outcomeLabel = (outcome: string) => OUTCOME_LABELS[outcome] ?? outcome;

export function scoreText(cvss31: number | null, cvss40: number | null): string {
  const parts = [
    cvss40 === null ? undefined : `${cvss40.toFixed(1)} (4.0)`,
    cvss31 === null ? undefined : `${cvss31.toFixed(1)} (3.1)`,
  ].filter((part): part is string => part !== undefined);
  return parts.join(", ");
}
