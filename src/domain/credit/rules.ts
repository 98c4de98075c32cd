import type { Policy } from "../../policy/schema.js";

/**
 * Who is credited for a case, by the policy's rules (`recognition.credit`). Pure: the case's facts
 * go in, a decision with its reason comes out; the hall of fame, the advisory's credits and
 * `embargo credits` all ask this one function, so they never disagree.
 *
 * - No `recognition.credit` in the policy: nobody is credited (the program promises no credit).
 * - The reporter chose to stay anonymous: not credited, whatever else holds.
 * - `firstReporterOnly` (Kafe): a case closed as a duplicate is not credited; its original is.
 * - `requiresChange` (Kafe): credited only once a code or configuration change followed from the
 *   report: the case was fixed (it reached `fixed`, or was closed as resolved).
 */

export interface CreditChoice {
  mode: "name" | "handle" | "anonymous";
  name?: string;
  link?: string;
}

export interface CreditFacts {
  credit: CreditChoice;
  /** The closing outcome, null while open. */
  outcome: string | null;
  /** When the case reached `fixed`, if it did. */
  fixedAt: Date | null;
}

export type CreditDecision =
  | { credited: true; name: string; link: string | null; mode: "name" | "handle" }
  | {
      credited: false;
      reason: "no-credit-in-policy" | "anonymous" | "duplicate" | "no-change-yet" | "no-name";
    };

export function creditDecision(policy: Policy, facts: CreditFacts): CreditDecision {
  const rule = policy.recognition.credit;
  if (rule === undefined) return { credited: false, reason: "no-credit-in-policy" };
  const { credit } = facts;
  if (credit.mode === "anonymous") return { credited: false, reason: "anonymous" };
  if (rule.firstReporterOnly && facts.outcome === "duplicate")
    return { credited: false, reason: "duplicate" };
  const changed = facts.fixedAt !== null || facts.outcome === "resolved";
  if (rule.requiresChange && !changed) return { credited: false, reason: "no-change-yet" };
  // One line of plain text: a name with line breaks or control characters cannot break out of a
  // list item in the snippet, or a cell of the hall of fame.
  const name = (credit.name ?? "").replace(/[\p{Cc}\s]+/gu, " ").trim();
  if (name === "") return { credited: false, reason: "no-name" };
  return { credited: true, name, link: httpsLink(credit.link), mode: credit.mode };
}

/**
 * The link as credits show it: only an https URL (no credentials in it), normalised; anything
 * else (javascript:, data:, http:, not a URL) is dropped, the name is still credited.
 */
export function httpsLink(value: string | undefined): string | null {
  const text = value?.trim() ?? "";
  if (text === "" || text.length > 2000) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "" || url.hostname === "")
    return null;
  return url.href;
}

/** The words for a decision not to credit, for the case page and the reporter's page. */
export const NOT_CREDITED_WORDS: Readonly<
  Record<Exclude<CreditDecision, { credited: true }>["reason"], string>
> = {
  "no-credit-in-policy": "This program's policy promises no public credit.",
  anonymous: "The reporter chose not to be credited.",
  duplicate: "Credit goes to the first report of this issue.",
  "no-change-yet": "Credit follows once a change is made because of the report.",
  "no-name": "No name was given for the credit.",
};
