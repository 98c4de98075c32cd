import { readKey } from "openpgp";
import { type CaseClock, type CaseClockFacts, caseClocks } from "../domain/clocks/case-clocks.js";
import {
  authorityClock,
  type DisclosurePhaseItem,
  disclosurePhases,
  type EmbargoEnd,
  embargoEnd,
} from "../domain/clocks/disclosure.js";
import { dueDateClock } from "../domain/clocks/due-date-clock.js";
import { type StateChange, waitingForReporter } from "../domain/clocks/pauses.js";
import { withMovedDates } from "../domain/disclosure/plan.js";
import { currentIntent, publicationClock, warningRule } from "../domain/disclosure/reporter-warning.js";
import { type DuplicateSuggestion, firstReporter, suggestDuplicates } from "../domain/duplicates/index.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";
import type { Services } from "../services.js";
import type { CaseViewer } from "../store/case-visibility.js";
import { planRecordsOf } from "../store/disclosure-plan.js";
import { DUPLICATE_TEXT_BYTES, duplicateCandidates, utf8Prefix } from "../store/duplicate-candidates.js";
import type { StaffCase, StaffEvent } from "../store/staff-case-read.js";
import { reporterAgreementPayload, stateChangedPayload } from "../store/staff-events.js";

/**
 * What a case page (and the staff API) shows beside the case, derived from the case as the team
 * sees it and the program's policy: its clocks, its disclosure plan, likely duplicates, the
 * reporter key's fingerprint, who keeps the credit. Reads only; the changes are in src/commands.
 */
export type WorkspaceDeps = Pick<Services, "store" | "keyring" | "clock">;

/** The case's facts the clocks need. */
export function clockFacts(found: StaffCase): CaseClockFacts {
  const agreed = found.events
    .filter((event) => event.type === "reporter.agreement")
    .filter((event) => reporterAgreementPayload.safeParse(event.payload).data?.agree === true)
    .at(-1);
  return {
    receivedAt: found.receivedAt,
    severity: found.triage.severity,
    acknowledgedAt: found.acknowledgedAt,
    firstTeamReplyAt: found.firstTeamReplyAt,
    detailedResponseAt: found.detailedResponseAt,
    triagedAt: found.triagedAt,
    fixedAt: found.fixedAt,
    closedAt: found.closedAt,
    reporterAgreedAt: agreed?.at ?? null,
    fixReleasedAt: found.fixReleasedAt,
    outcome: found.outcome,
    privacyIncidentAt: found.privacyIncidentAt,
    authorityNotifiedAt: found.authorityNotifiedAt,
    dueAt: found.triage.dueAt,
    waitingForReporter: waitingForReporter(stateChangesOf(found.events)),
  };
}

/** The case's recorded moves between lifecycle states (`case.state_changed` events). */
export function stateChangesOf(events: readonly StaffEvent[]): StateChange[] {
  return events.flatMap((event) => {
    if (event.type !== "case.state_changed") return [];
    const payload = stateChangedPayload.safeParse(event.payload).data;
    return payload === undefined ? [] : [{ at: event.at, from: payload.from, to: payload.to }];
  });
}

/**
 * Every clock of the case: the policy's service levels, then its due date (when the register makes
 * it a clock), then the authority deadline of a privacy incident.
 */
export function clocksOf(program: LoadedPolicy, found: StaffCase, now: Date): CaseClock[] {
  const facts = clockFacts(found);
  const extra = [
    dueDateClock(program.policy, facts, now),
    authorityClock(program.policy, facts, now),
    // Kulupu's written warning: the date the reporter intends to publish on (issue 12).
    warningRule(program.policy) === null
      ? null
      : publicationClock(currentIntent(found.events), found.closedAt, now),
  ];
  return [...caseClocks(program.policy, facts, now), ...extra.filter((clock) => clock !== null)];
}

/** The policy's disclosure plan on the case: when the embargo ends and when each phase falls due. */
export function disclosureOf(
  program: LoadedPolicy,
  found: StaffCase,
  now: Date,
): { embargo: EmbargoEnd | null; phases: DisclosurePhaseItem[] } {
  // With the dates the team moved (src/domain/disclosure/plan.ts).
  const facts = withMovedDates(clockFacts(found), planRecordsOf(found.events));
  return {
    embargo: embargoEnd(program.policy, facts, now),
    phases: disclosurePhases(program.policy, facts, now),
  };
}

export interface DuplicateHint extends DuplicateSuggestion {
  title: string;
  receivedAt: Date;
}

/** Cases of the same program that may report the same thing, best first (hints, not decisions). */
export async function likelyDuplicates(
  deps: WorkspaceDeps,
  found: StaffCase,
  viewer: CaseViewer,
  limit = 5,
): Promise<DuplicateHint[]> {
  const candidates = await duplicateCandidates(deps.store, deps.keyring, found.id, 200, viewer);
  const byId = new Map(candidates.map((candidate) => [candidate.id, candidate]));
  const target = {
    id: found.id,
    assetId: found.assetId,
    title: found.report.title,
    text: utf8Prefix(Object.values(found.report.fields).join("\n\n"), DUPLICATE_TEXT_BYTES),
    receivedAt: found.receivedAt,
  };
  return suggestDuplicates(target, candidates, { limit }).flatMap((suggestion) => {
    const candidate = byId.get(suggestion.id);
    return candidate === undefined
      ? []
      : [{ ...suggestion, title: candidate.title, receivedAt: candidate.receivedAt }];
  });
}

/** The fingerprint of the reporter's OpenPGP key (upper-case hex), or undefined when it does not read as one. */
export async function keyFingerprint(armored: string | undefined): Promise<string | undefined> {
  if (armored === undefined || armored.trim() === "") return undefined;
  try {
    return (await readKey({ armoredKey: armored })).getFingerprint().toUpperCase();
  } catch {
    return undefined;
  }
}

/**
 * Under a policy that credits only the first reporter (`recognition.credit.firstReporterOnly`), the
 * case that keeps the credit when `found` was closed as a duplicate: the earlier received of the
 * case and its original. Undefined otherwise (or when the original is gone).
 */
export async function creditKeeper(
  deps: Pick<WorkspaceDeps, "store">,
  policy: Policy,
  found: Pick<StaffCase, "id" | "receivedAt" | "outcome" | "duplicateOf">,
): Promise<string | undefined> {
  if (policy.recognition.credit?.firstReporterOnly !== true) return undefined;
  if (found.outcome !== "duplicate" || found.duplicateOf === null) return undefined;
  const original = await deps.store.db
    .selectFrom("cases")
    .select(["id", "received_at"])
    .where("id", "=", found.duplicateOf)
    .executeTakeFirst();
  if (original === undefined) return undefined;
  return firstReporter([
    { id: found.id, receivedAt: found.receivedAt },
    { id: original.id, receivedAt: new Date(original.received_at) },
  ]);
}
