import { randomUUID } from "node:crypto";
import {
  type DraftText,
  decideApproval,
  decideDraft,
  decidePublish,
  type Refusal,
  readDraft,
} from "../domain/announcements/decisions.js";
import {
  ANNOUNCEMENT_EVENTS,
  type AnnouncementEventType,
  announcementHistory,
} from "../domain/announcements/history.js";
import { disclosedAtOf, publishGate } from "../domain/announcements/publish-gate.js";
import { embargoEnd } from "../domain/clocks/disclosure.js";
import { withMovedDates } from "../domain/disclosure/plan.js";
import { publicTextWordingProblem } from "../domain/disclosure/wording.js";
import type { Policy } from "../policy/schema.js";
import { insertAnnouncement, slugTakenByAnotherCase } from "../store/announcements.js";
import type { Json } from "../store/canonical-json.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import { clockFactsOfRow } from "../store/clock-facts.js";
import { readPlanRecords } from "../store/disclosure-plan.js";
import type { NewEvent } from "../store/event-log.js";
import { StaffCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, type CaseRow, type CommandPlan, runCaseCommand, type Trx } from "./case-change.js";

/**
 * A case's public announcement (programs whose policy sets `disclosure.publicAnnouncement`):
 * save a draft, approve it, publish it. Each is one internal, hash-chained event on the case
 * (src/domain/announcements/history.ts says why the events are the drafts' store); publishing
 * also copies the approved text to the public `announcements` table, in the same transaction.
 * What is allowed is decided by src/domain/announcements; a refusal writes nothing and is
 * returned (not thrown), with the form field it belongs beside.
 */

export type AnnouncementOutcome = { ok: true; changed: boolean } | Refusal;

const NOT_PUBLISHED_HERE: Refusal = {
  ok: false,
  field: "announcement",
  message: "This program's policy publishes no announcements.",
};

const slugTaken = (slug: string): Refusal => ({
  ok: false,
  field: "announcement-slug",
  message: `Another announcement of this program already has the address …/announcements/${slug}: choose another slug.`,
});

/**
 * Where the policy's `disclosure.wording.appliesTo` is `all`: a revision whose title or text uses a
 * forbidden word is neither approved nor published (src/domain/disclosure/wording.ts).
 */
function wordingRefusal(policy: Policy, revision: { title: string; body: string } | null): Refusal | null {
  if (revision === null) return null;
  const problem = publicTextWordingProblem(policy.disclosure.wording, [
    { name: "title", text: revision.title, lines: false },
    { name: "text", text: revision.body, lines: true },
  ]);
  return problem === null ? null : { ok: false, field: "announcement", message: problem };
}

/** A plan that writes nothing and answers `result`. */
const nothing = <T>(result: T): CommandPlan<T> => ({ result, events: [] });

function announcementEvent(
  type: AnnouncementEventType,
  actor: TeamActor,
  at: Date,
  payload: { [key: string]: Json },
): NewEvent {
  return { type: domainEventType(type), actor, at, payload };
}

async function readEvents(trx: Trx, deps: CaseDeps, row: CaseRow, alsoStateChanges = false) {
  const types = alsoStateChanges ? [...ANNOUNCEMENT_EVENTS, "case.state_changed"] : ANNOUNCEMENT_EVENTS;
  return caseEventsOfTypes(trx, deps.keyring, row.id, types);
}

/** Saves the draft as a new revision (none when it is the latest again: `changed` false). */
export async function saveAnnouncementDraft(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  input: DraftText,
  at: Date,
): Promise<AnnouncementOutcome> {
  checkActor(actor);
  if (!policy.disclosure.publicAnnouncement) return NOT_PUBLISHED_HERE;
  const read = readDraft(input);
  if (!read.ok) return read;
  const { draft } = read;
  return runCaseCommand<AnnouncementOutcome>(deps, { id: caseId }, at, async (row, trx) => {
    const history = announcementHistory(await readEvents(trx, deps, row));
    const decision = decideDraft(history, draft);
    if (!decision.ok || !decision.changed) return nothing(decision);
    if (await slugTakenByAnotherCase(trx, row.program, draft.slug, row.id))
      return nothing(slugTaken(draft.slug));
    return {
      result: decision,
      events: [announcementEvent("announcement.drafted", actor, at, { ...draft })],
    };
  });
}

/** Two cases published the same slug at once: the later transaction writes nothing (409). */
export class AnnouncementSlugTaken extends StaffCommandError {
  constructor(slug: string) {
    super(
      "embargo.case.announcementSlugTaken",
      `the address "${slug}" was just taken by another announcement: choose another`,
    );
    this.name = "AnnouncementSlugTaken";
  }
}

/** Approves `revision` (the seq the page showed), which must be the latest and not the actor's own. */
export async function approveAnnouncement(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  revision: number | null,
  at: Date,
): Promise<AnnouncementOutcome> {
  checkActor(actor);
  if (!policy.disclosure.publicAnnouncement) return NOT_PUBLISHED_HERE;
  return runCaseCommand<AnnouncementOutcome>(deps, { id: caseId }, at, async (row, trx) => {
    const history = announcementHistory(await readEvents(trx, deps, row));
    const decision = decideApproval(history, revision, actor);
    if (!decision.ok || !decision.changed) return nothing(decision);
    const wording = wordingRefusal(policy, history.latest);
    if (wording !== null) return nothing(wording);
    return {
      result: decision,
      events: [announcementEvent("announcement.approved", actor, at, { revision: decision.revision })],
    };
  });
}

/**
 * Publishes `revision`, once approved and once the case's disclosure date has passed (the rule is
 * src/domain/announcements/publish-gate.ts; the embargo is read at `at`). The public row and
 * the event are written together, or neither.
 */
export async function publishAnnouncement(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  revision: number | null,
  at: Date,
): Promise<AnnouncementOutcome> {
  checkActor(actor);
  if (!policy.disclosure.publicAnnouncement) return NOT_PUBLISHED_HERE;
  return runCaseCommand<AnnouncementOutcome>(deps, { id: caseId }, at, async (row, trx) => {
    const events = await readEvents(trx, deps, row, true);
    const gate = publishGate({
      disclosedAt: disclosedAtOf(events),
      // A moved embargo end (src/commands/disclosure-plan.ts) holds the announcement back too.
      embargo: embargoEnd(
        policy,
        withMovedDates(clockFactsOfRow(row, undefined), await readPlanRecords(trx, deps.keyring, row.id)),
        at,
      ),
      state: row.state,
      outcome: row.outcome,
    });
    const decision = decidePublish(announcementHistory(events), revision, gate);
    if (!decision.ok) return nothing(decision);
    const wording = wordingRefusal(policy, decision.revision);
    if (wording !== null) return nothing(wording);
    const { seq, title, slug, body } = decision.revision;
    if (await slugTakenByAnotherCase(trx, row.program, slug, row.id)) return nothing(slugTaken(slug));
    const announcementId = randomUUID();
    return {
      result: { ok: true, changed: true },
      events: [
        announcementEvent("announcement.published", actor, at, { revision: seq, slug, announcementId }),
      ],
      write: async (write) => {
        const published = {
          id: announcementId,
          program: row.program,
          slug,
          case_id: row.id,
          title,
          body,
          published_at: at.toISOString(),
        };
        // Another case took the slug in a concurrent transaction: nothing of this one is kept.
        if (!(await insertAnnouncement(write, published))) throw new AnnouncementSlugTaken(slug);
      },
    };
  });
}
