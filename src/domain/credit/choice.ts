import type { Policy } from "../../policy/schema.js";
import { publishGate } from "../announcements/publish-gate.js";
import type { EmbargoEnd } from "../clocks/disclosure.js";
import { type CreditChoice, type CreditDecision, creditDecision, httpsLink } from "./rules.js";

/**
 * The reporter's credit choice over time, and when it becomes public. Pure.
 *
 * - The current choice is the last `reporter.credit_changed` event's, else the report's own.
 * - A case's credit is published when the case is: it is in state `disclosed`, or it was closed
 *   as resolved and its disclosure date has passed (src/domain/announcements/publish-gate.ts:
 *   moved to `disclosed` once, or the embargo ended, or no embargo at all). From then on the
 *   reporter's choice is fixed: the hall of fame, the snippet and the advisory may show it.
 */

export const CREDIT_CHANGED_EVENT = "reporter.credit_changed";
export const CREDIT_GIVEN_EVENT = "case.credit_given";

export const CREDIT_NAME_MAX = 200;
export const CREDIT_LINK_MAX = 2000;

/** The choice in force: the last change, or the report's original. */
export function currentChoice(original: CreditChoice, changes: readonly CreditChoice[]): CreditChoice {
  return changes.at(-1) ?? original;
}

export interface PublicationFacts {
  state: string;
  outcome: string | null;
  closedAt: Date | null;
  /** When the case first moved to `disclosed` (disclosedAtOf); null when it never did. */
  disclosedAt: Date | null;
  /** The policy's embargo on the case at the instant asked about; null when the policy has none. */
  embargo: EmbargoEnd | null;
}

export type CreditPublication = { published: true; at: Date | null } | { published: false };

export function creditPublication(facts: PublicationFacts): CreditPublication {
  if (facts.state === "disclosed")
    return { published: true, at: facts.disclosedAt ?? facts.embargo?.endsAt ?? facts.closedAt };
  if (facts.state !== "closed" || facts.outcome !== "resolved") return { published: false };
  if (!publishGate(facts).open) return { published: false };
  if (facts.disclosedAt !== null) return { published: true, at: facts.disclosedAt };
  const ended = facts.embargo?.endsAt ?? null;
  const closed = facts.closedAt;
  // Published from the later of the close and the embargo's end.
  const at = ended === null ? closed : closed === null || ended > closed ? ended : closed;
  return { published: true, at };
}

export interface CreditStatusFacts extends PublicationFacts {
  original: CreditChoice;
  changes: readonly CreditChoice[];
  fixedAt: Date | null;
}

export interface CreditStatus {
  choice: CreditChoice;
  /** Who is credited by the policy's rules, as things stand. */
  decision: CreditDecision;
  publication: CreditPublication;
}

export function creditStatus(policy: Policy, facts: CreditStatusFacts): CreditStatus {
  const choice = currentChoice(facts.original, facts.changes);
  return {
    choice,
    decision: creditDecision(policy, { credit: choice, outcome: facts.outcome, fixedAt: facts.fixedAt }),
    publication: creditPublication(facts),
  };
}

export type CreditChangeDecision =
  | { ok: true; choice: CreditChoice; changed: boolean }
  | { ok: false; field: "mode" | "name" | "link" | "form"; message: string };

/** What the reporter's form sent. */
export interface CreditChangeRequest {
  mode: string;
  name: string;
  link: string;
}

/**
 * The reporter's new choice, checked: anonymous (name and link dropped), or a name or handle (one
 * line, at most 200 characters) with an optional https link. Refused once the credit is published.
 */
export function decideCreditChange(
  current: CreditChoice,
  publication: CreditPublication,
  request: CreditChangeRequest,
): CreditChangeDecision {
  if (publication.published)
    return {
      ok: false,
      field: "form",
      message:
        "Your credit can no longer be changed: the issue has been published with it. Write to the team if something is wrong.",
    };
  if (request.mode !== "name" && request.mode !== "handle" && request.mode !== "anonymous")
    return { ok: false, field: "mode", message: "Choose how to be credited." };
  let choice: CreditChoice;
  if (request.mode === "anonymous") choice = { mode: "anonymous" };
  else {
    const name = request.name.replace(/[\p{Cc}\s]+/gu, " ").trim();
    if (name === "")
      return {
        ok: false,
        field: "name",
        message: "Give the name or handle to credit, or choose not to be credited.",
      };
    if (name.length > CREDIT_NAME_MAX)
      return { ok: false, field: "name", message: `A name can have at most ${CREDIT_NAME_MAX} characters.` };
    const linkText = request.link.trim();
    if (linkText.length > CREDIT_LINK_MAX)
      return { ok: false, field: "link", message: `A link can have at most ${CREDIT_LINK_MAX} characters.` };
    const link = linkText === "" ? null : httpsLink(linkText);
    if (linkText !== "" && link === null)
      return { ok: false, field: "link", message: "A link must be an https:// address, or left empty." };
    choice = { mode: request.mode, name, ...(link === null ? {} : { link }) };
  }
  return { ok: true, choice, changed: !sameChoice(current, choice) };
}

function sameChoice(a: CreditChoice, b: CreditChoice): boolean {
  if (a.mode === "anonymous" || b.mode === "anonymous") return a.mode === b.mode;
  return a.mode === b.mode && (a.name ?? "") === (b.name ?? "") && (a.link ?? "") === (b.link ?? "");
}

/** "February 2027": the month a credit was published, as the hall of fame and the snippet write it. */
export function creditMonth(at: Date): string {
  return `${MONTHS[at.getUTCMonth()] ?? ""} ${at.getUTCFullYear()}`;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
