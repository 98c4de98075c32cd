import type { z } from "zod";
import { currentIdentifiers } from "../../commands/case-identifiers.js";
import type { CaseClock } from "../../domain/clocks/case-clocks.js";
import type { DisclosurePhaseItem, EmbargoEnd } from "../../domain/clocks/disclosure.js";
import { allowedTransitions, isCaseState } from "../../domain/lifecycle/index.js";
import { closingOutcomesFor } from "../../domain/lifecycle/policy-rules.js";
import { assignedGroup, teamLabel } from "../../domain/notifications/recipients.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { Policy } from "../../policy/schema.js";
import type { CaseViewer } from "../../store/case-visibility.js";
import type { StaffAttachment, StaffCase } from "../../store/staff-case-read.js";
import {
  clocksOf,
  type DuplicateHint,
  disclosureOf,
  keyFingerprint,
  likelyDuplicates,
  type WorkspaceDeps,
} from "../../workspace/case-work.js";
import type { CaseDetail } from "../routes/staff-api-schema.js";
import { caseClockOf, disclosurePhaseOf, embargoOf, iso } from "./clock.js";
import { eventOf } from "./event.js";

/**
 * A case as the team sees it, for the case page and for GET /api/v1/cases/{id} (the CaseDetail
 * schema): what both show beside the stored case is worked out once, in `caseReadingOf`.
 */
export interface CaseReading {
  program: LoadedPolicy;
  found: StaffCase;
  clocks: CaseClock[];
  /** The policy's disclosure plan on this case (src/domain/clocks/disclosure.ts). */
  disclosure: { embargo: EmbargoEnd | null; phases: DisclosurePhaseItem[] };
  duplicates: DuplicateHint[];
  /** The reporter's OpenPGP key's fingerprint, when the key reads as one. */
  fingerprint: string | undefined;
}

/** The clocks, disclosure plan, likely duplicates and key fingerprint of a case, at `now`. */
export async function caseReadingOf(
  deps: WorkspaceDeps,
  program: LoadedPolicy,
  found: StaffCase,
  now: Date,
  /** Who reads it: the likely duplicates are only cases they may see. */
  viewer: CaseViewer,
): Promise<CaseReading> {
  const [duplicates, fingerprint] = await Promise.all([
    likelyDuplicates(deps, found, viewer),
    keyFingerprint(found.contact.openpgpKey),
  ]);
  return {
    program,
    found,
    clocks: clocksOf(program, found, now),
    disclosure: disclosureOf(program, found, now),
    duplicates,
    fingerprint,
  };
}

/** The triage fields, as the case and the answer to a triage change give them. */
export const triageJson = (found: StaffCase) => ({
  priority: found.triage.priority,
  severity: found.triage.severity,
  dueAt: iso(found.triage.dueAt),
  cwe: found.triage.cwe,
  cvss31: found.triage.cvss31,
  cvss40: found.triage.cvss40,
});

/** An attachment's facts, with the API URL that downloads it. */
export const attachmentJson = (caseId: string, file: StaffAttachment) => ({
  id: file.id,
  filename: file.filename,
  contentType: file.contentType,
  size: file.size,
  createdAt: file.createdAt.toISOString(),
  uploadedBy: file.uploadedBy,
  reporterVisible: file.reporterVisible,
  url: `/api/v1/cases/${caseId}/attachments/${file.id}`,
});

/** GET /api/v1/cases/{id}: `canWork` says whether the caller may act on the case. */
export function caseJson(reading: CaseReading, canWork: boolean): z.input<typeof CaseDetail> {
  const { program, found, disclosure } = reading;
  // A state this version does not know (a newer one wrote it) reads as "new" to clients.
  const state = isCaseState(found.state) ? found.state : "new";
  return {
    id: found.id,
    program: found.program,
    number: found.number,
    reference: found.reference,
    state,
    source: found.source,
    assetId: found.assetId,
    receivedAt: found.receivedAt.toISOString(),
    updatedAt: found.updatedAt.toISOString(),
    acknowledgeBy: iso(found.acknowledgeBy),
    acknowledgedAt: iso(found.acknowledgedAt),
    firstTeamReplyAt: iso(found.firstTeamReplyAt),
    detailedResponseAt: iso(found.detailedResponseAt),
    triagedAt: iso(found.triagedAt),
    fixedAt: iso(found.fixedAt),
    closedAt: iso(found.closedAt),
    agreementDueAt: iso(found.agreementDueAt),
    nextDueAt: iso(found.nextDueAt),
    fixReleasedAt: iso(found.fixReleasedAt),
    privacyIncidentAt: iso(found.privacyIncidentAt),
    authorityNotifyBy: iso(found.authorityNotifyBy),
    authorityNotifiedAt: iso(found.authorityNotifiedAt),
    outcome: found.outcome,
    duplicateOf: found.duplicateOf,
    ...currentIdentifiers(found.events),
    assignee: found.assignee,
    assigneeName: groupName(program.policy, found.assignee),
    followers: found.followers,
    tags: found.tags,
    report: found.report,
    contact: {
      email: found.contact.email ?? null,
      openpgpKey: found.contact.openpgpKey ?? null,
      openpgpFingerprint: reading.fingerprint ?? null,
    },
    triage: triageJson(found),
    attachments: found.attachments.map((file) => attachmentJson(found.id, file)),
    events: found.events.map(eventOf),
    clocks: reading.clocks.map(caseClockOf),
    embargo: embargoOf(disclosure.embargo),
    disclosurePhases: disclosure.phases.map(disclosurePhaseOf),
    allowedTransitions: allowedTransitions(state),
    closingOutcomes: closingOutcomesFor(state, program.policy),
    duplicates: reading.duplicates.map(({ id, title, score, reasons }) => ({ id, title, score, reasons })),
    canWork,
  };
}

/** "Team: …" for a case assigned to a team group of the policy; null otherwise. */
function groupName(policy: Policy, assignee: string | null): string | null {
  const group = assignedGroup(policy, assignee);
  return group === undefined ? null : teamLabel(group);
}
