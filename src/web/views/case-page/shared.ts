import type { TeamMember } from "../../../auth/team.js";
import type { CaseClock } from "../../../domain/clocks/case-clocks.js";
import type { DisclosurePhaseItem, EmbargoEnd } from "../../../domain/clocks/disclosure.js";
import type { CaseState, ClosingOutcome } from "../../../domain/lifecycle/index.js";
import type { LoadedPolicy } from "../../../policy/loader.js";
import type { StaffCase, StaffEvent } from "../../../store/staff-case-read.js";
import type { DuplicateHint } from "../../../workspace/case-work.js";
import type { Errors } from "../staff-common.js";

// What the case page's panels share: its props and the one helper more than one panel needs.

/** What a form sent, to show it again beside its errors. */
export interface Draft {
  fields: Record<string, string>;
  lists: Record<string, string[]>;
}

export interface CasePageProps {
  csrfToken: string;
  email: string;
  userId: string;
  canWork: boolean;
  program: LoadedPolicy;
  found: StaffCase;
  /** User id → email, for actors, assignee and followers. */
  names: ReadonlyMap<string, string>;
  /** Who may be assigned: members who may work this program. */
  assignable: TeamMember[];
  clocks: CaseClock[];
  /** The policy's disclosure plan on this case (src/domain/clocks/disclosure.ts). */
  disclosure: { embargo: EmbargoEnd | null; phases: DisclosurePhaseItem[] };
  duplicates: DuplicateHint[];
  fingerprint: string | undefined;
  /** Under first-reporter-only credit, the case (this one or its original) whose reporter keeps the credit. */
  keepsCredit?: string;
  allowed: CaseState[];
  outcomes: ClosingOutcome[];
  dueDate: string;
  notice?: string;
  errors: Errors;
  draft?: Draft;
}

/** A panel's props: the page's, and the case's URL, under which its forms post. */
export type PanelProps = CasePageProps & { base: string };

/** How the page names a user: their email when known, "nobody" for no one. */
export type NameOf = (userId: string | null) => string;

/** An event's payload, as stored. */
export type Json = StaffEvent["payload"];

export function isObject(value: Json): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
