import type { Policy } from "../../policy/schema.js";
import { type AgreementStatus, agreementAwaitedText, agreementRequired } from "./agreement.js";

/**
 * The incident register's rules (`incident.register`), pure: the policy and what a case has go in,
 * the gates a move must pass come out. The lifecycle (src/domain/lifecycle) refuses a move whose
 * gate is closed; the case page shows the same gates before anyone tries.
 *
 * - `dueDateRequired`: a case cannot leave triage (move on to work or a fix) without a due date;
 *   closing it (for example as "no incident") stays possible.
 * - `resolutionRequires`: a checklist; a case becomes `fixed` only when every item is checked.
 * - `classificationRequiredOnClose`: closing a case as `resolved` needs its priority, severity
 *   and CWE. Other outcomes (spam, duplicate, out of scope, no incident) describe no incident to
 *   classify, so they do not ask for it.
 */

/** One item of the policy's resolution checklist: `key` is stable while the item's text is. */
export interface ChecklistItem {
  key: string;
  text: string;
}

/** What a case has that the register's gates look at. */
export interface RegisterFacts {
  dueAt: string | null;
  priority: string | null;
  severity: string | null;
  cwe: string | null;
  /** Keys of the resolution checklist items checked on the case. */
  resolutionDone: ReadonlySet<string>;
  /** The agreement's status (src/domain/incident/agreement.ts); absent: not read, no gate. */
  agreement?: AgreementStatus;
  /**
   * The production releases still owed a fix, as the refusal names them (src/domain/disclosure/
   * affected.ts productionReleasesOwed); read only under `incident.fixAllProductionReleases`.
   */
  productionReleasesOwed?: readonly string[];
}

/** What each gate still lacks; empty everywhere when the policy asks for nothing. */
export interface RegisterGates {
  dueDateMissing: boolean;
  resolutionMissing: readonly string[];
  classificationMissing: readonly string[];
  /** `reporterAgreement.required`: what the agreement gate awaits, in words; absent or null: open. */
  agreementAwaited?: string | null;
  /** `incident.fixAllProductionReleases`: the production releases a case is not fixed without. */
  productionReleasesUnfixed?: readonly string[];
}

export const OPEN_GATES: RegisterGates = {
  dueDateMissing: false,
  resolutionMissing: [],
  classificationMissing: [],
};

/**
 * A checklist item's key: its text in lower case, words joined by hyphens, at most 60 characters
 * (the policy's text is the item's identity; a reworded item is a new item).
 */
export function checklistKey(text: string): string {
  const key = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60)
    .replace(/-$/, "");
  return key === "" ? "item" : key;
}

/** The policy's resolution checklist, in the policy's order. */
export function resolutionChecklist(policy: Policy): ChecklistItem[] {
  const items = policy.incident.register?.resolutionRequires ?? [];
  return items.map((text) => ({ key: checklistKey(text), text }));
}

/** The classification fields a `resolved` close still needs, by their names on the case page. */
export function classificationMissing(
  policy: Policy,
  facts: Pick<RegisterFacts, "priority" | "severity" | "cwe">,
): string[] {
  if (policy.incident.register?.classificationRequiredOnClose !== true) return [];
  const missing: string[] = [];
  if (facts.priority === null) missing.push("priority");
  if (facts.severity === null) missing.push("severity");
  if (facts.cwe === null) missing.push("CWE");
  return missing;
}

/** The register's gates for a case with `facts`. */
export function registerGates(policy: Policy, facts: RegisterFacts): RegisterGates {
  const register = policy.incident.register;
  const owed = policy.incident.fixAllProductionReleases === true ? (facts.productionReleasesOwed ?? []) : [];
  const releases = owed.length === 0 ? {} : { productionReleasesUnfixed: [...owed] };
  if (register === undefined) return { ...OPEN_GATES, ...releases };
  return {
    ...releases,
    dueDateMissing: register.dueDateRequired && facts.dueAt === null,
    resolutionMissing: resolutionChecklist(policy)
      .filter((item) => !facts.resolutionDone.has(item.key))
      .map((item) => item.text),
    classificationMissing: classificationMissing(policy, facts),
    agreementAwaited:
      agreementRequired(policy) && facts.agreement !== undefined && facts.agreement.state !== "given"
        ? agreementAwaitedText(facts.agreement)
        : null,
  };
}

/**
 * The address of the register's default assignee (`incident.register.defaultAssignee`, a contact):
 * a new case goes to the team member with that address. Null when the policy names none, or names
 * a contact without an address (then no member can be matched, and the case stays unassigned).
 */
export function defaultAssigneeEmail(policy: Policy): string | null {
  const id = policy.incident.register?.defaultAssignee;
  if (id === undefined) return null;
  return policy.contacts.find((contact) => contact.id === id)?.email?.toLowerCase() ?? null;
}

/**
 * The coordinator's duties (`incident.coordinator`, privacytools: one person coordinates the fix,
 * the release and the announcement) as a checklist on the case.
 */
export function coordinatorDuties(policy: Policy): ChecklistItem[] {
  return (policy.incident.coordinator?.duties ?? []).map((text) => ({ key: checklistKey(text), text }));
}

/**
 * Who coordinates a case: its assignee (`role: assignee`; none until the case is assigned), or
 * the program's leads (`role: lead`, the contacts with that role, by name).
 */
export type Coordinator =
  | { role: "assignee"; userId: string | null }
  | { role: "lead"; names: string[] }
  | null;

export function coordinatorOf(policy: Policy, assignee: string | null): Coordinator {
  const coordinator = policy.incident.coordinator;
  if (coordinator === undefined) return null;
  if (coordinator.role === "assignee") return { role: "assignee", userId: assignee };
  const leads = policy.contacts.filter((contact) => contact.roles.includes("lead"));
  return { role: "lead", names: leads.map((contact) => contact.name) };
}
