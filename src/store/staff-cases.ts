import { timingSafeEqual } from "node:crypto";
import type { Transaction } from "kysely";
import { decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { type Pause, type StateChange, waitingForReporter } from "../domain/clocks/pauses.js";
import {
  type CaseState,
  type ClosingOutcome,
  decideTransition,
  isCaseState,
  type TransitionInput,
} from "../domain/lifecycle/index.js";
import { Id as PolicyId } from "../policy/schema.js";
import { aad } from "./aad.js";
import {
  type NewAttachment,
  openAttachmentMeta,
  type SealedAttachment,
  sealAttachment,
} from "./attachments.js";
import type { Json } from "./canonical-json.js";
import { wakeCase } from "./case-timers.js";
import { CaseNotFoundError, contactSchema, type NewReport, reportSchema } from "./cases.js";
import type { Store } from "./database.js";
import { nextDueAt } from "./deadlines.js";
import { chainEvents, type NewEvent } from "./event-log.js";
import { attachmentAddedPayload, REPORTER_VISIBLE_EVENTS, reporterMessagePayload } from "./events.js";
import { sha256Hex } from "./ids.js";
import type { CasesTable, DatabaseSchema } from "./schema.js";
import {
  AgreementNotPendingError,
  DuplicateOfUnknownError,
  InvalidCaseCommandError,
  NotAPrivacyIncidentError,
  TransitionRefused,
} from "./staff-errors.js";
import {
  domainEventType,
  incidentPhasePayload,
  reporterAgreementPayload,
  stateChangedPayload,
  type TriageDiff,
  teamReplyPayload,
  toJsonObject,
} from "./staff-events.js";
import {
  type CvssValue,
  checkActor,
  checkCvss,
  checkDate,
  checkMessage,
  checkPriority,
  checkSeverity,
  checkUserId,
  normaliseCwe,
  normaliseTags,
  type Priority,
  type Severity,
  type TeamActor,
  teamActor,
} from "./staff-validation.js";

export { type InboxFilter, type InboxRow, listInbox } from "./inbox.js";
export {
  AgreementNotPendingError,
  DuplicateOfUnknownError,
  IncidentPhaseRefused,
  InvalidCaseCommandError,
  InvalidCursorError,
  NotAPrivacyIncidentError,
  StaffCommandError,
  TransitionRefused,
} from "./staff-errors.js";
export type { CvssValue, Priority, Severity, TeamActor } from "./staff-validation.js";

/**
 * The staff side of the case store: the case as a responder sees it, and the commands of triage
 * and conversation. Each command is one transaction: it locks the case row (FOR UPDATE on
 * PostgreSQL; SQLite transactions hold the write lock), appends its events to the case's hash
 * chain, applies its changes, and recomputes `next_due_at`; or, when it throws, writes nothing.
 * A command that would change nothing (acknowledging twice, assigning the same person) writes
 * nothing and says so in its result. Who may run which command is decided above the store.
 */

// ---------------------------------------------------------------------------------------------
// Reading

export interface StaffEvent {
  seq: number;
  type: string;
  actor: string;
  at: Date;
  /** Whether the reporter sees this event on their case page. */
  reporterVisible: boolean;
  payload: Json;
  /** The message of a reply, note or reporter message; what the reporter was told on a state change. */
  text?: string;
  attachmentIds?: string[];
}

export interface StaffAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  createdAt: Date;
  uploadedBy: "reporter" | "team";
  eventSeq: number;
  /** False for the files of internal notes. */
  reporterVisible: boolean;
}

export interface StaffCase {
  id: string;
  program: string;
  state: string;
  source: string;
  assetId: string | null;
  receivedAt: Date;
  updatedAt: Date;
  acknowledgeBy: Date | null;
  report: { title: string; fields: Record<string, string>; credit: NewReport["credit"] };
  contact: NewReport["contact"];
  assignee: string | null;
  followers: string[];
  tags: string[];
  triage: {
    priority: string | null;
    severity: string | null;
    dueAt: Date | null;
    cvss31: CvssValue | null;
    cvss40: CvssValue | null;
    cwe: string | null;
  };
  outcome: string | null;
  duplicateOf: string | null;
  acknowledgedAt: Date | null;
  firstTeamReplyAt: Date | null;
  detailedResponseAt: Date | null;
  triagedAt: Date | null;
  fixedAt: Date | null;
  closedAt: Date | null;
  agreementDueAt: Date | null;
  nextDueAt: Date | null;
  fixReleasedAt: Date | null;
  privacyIncidentAt: Date | null;
  authorityNotifyBy: Date | null;
  authorityNotifiedAt: Date | null;
  attachments: StaffAttachment[];
  events: StaffEvent[];
}

const toDate = (value: string | null): Date | null => (value === null ? null : new Date(value));
const cvssOf = (vector: string | null, score: number | null): CvssValue | null =>
  vector === null || score === null ? null : { vector, score };

/** Everything about a case, internal notes and their files included; undefined when there is no such case. */
export async function getCaseForStaff(
  store: Store,
  keyring: Keyring,
  caseId: string,
): Promise<StaffCase | undefined> {
  const row = await store.db.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (row === undefined) return undefined;
  const [events, attachments, tags, followers] = await Promise.all([
    store.db
      .selectFrom("case_events")
      .select(["seq", "type", "actor", "at", "payload_ct"])
      .where("case_id", "=", caseId)
      .orderBy("seq")
      .execute(),
    store.db
      .selectFrom("attachments")
      .select(["id", "event_seq", "meta_ct", "size", "created_at", "uploaded_by"])
      .where("case_id", "=", caseId)
      .orderBy("event_seq")
      .orderBy("created_at")
      .execute(),
    store.db.selectFrom("case_tags").select("tag").where("case_id", "=", caseId).orderBy("tag").execute(),
    store.db
      .selectFrom("case_followers")
      .select("user_id")
      .where("case_id", "=", caseId)
      .orderBy("created_at")
      .orderBy("user_id")
      .execute(),
  ]);
  const envelopes = [row.report_ct, ...events.map((e) => e.payload_ct), ...attachments.map((a) => a.meta_ct)];
  if (row.contact_ct !== null) envelopes.push(row.contact_ct);
  await keyring.ensure(envelopes.map(keyIdOf));

  const visibleSeqs = new Set(
    events.filter((event) => REPORTER_VISIBLE_EVENTS.includes(event.type)).map((e) => e.seq),
  );
  return {
    id: row.id,
    program: row.program,
    state: row.state,
    source: row.source,
    assetId: row.asset_id,
    receivedAt: new Date(row.received_at),
    updatedAt: new Date(row.updated_at),
    acknowledgeBy: toDate(row.acknowledge_by),
    report: reportSchema.parse(JSON.parse(decryptText(keyring, row.report_ct, aad.report(caseId)))),
    contact:
      row.contact_ct === null
        ? {}
        : contactSchema.parse(JSON.parse(decryptText(keyring, row.contact_ct, aad.contact(caseId)))),
    assignee: row.assignee,
    followers: followers.map((follower) => follower.user_id),
    tags: tags.map((tag) => tag.tag),
    triage: {
      priority: row.priority,
      severity: row.severity,
      dueAt: toDate(row.due_at),
      cvss31: cvssOf(row.cvss31_vector, row.cvss31_score),
      cvss40: cvssOf(row.cvss40_vector, row.cvss40_score),
      cwe: row.cwe,
    },
    outcome: row.outcome,
    duplicateOf: row.duplicate_of,
    acknowledgedAt: toDate(row.acknowledged_at),
    firstTeamReplyAt: toDate(row.first_team_reply_at),
    detailedResponseAt: toDate(row.detailed_response_at),
    triagedAt: toDate(row.triaged_at),
    fixedAt: toDate(row.fixed_at),
    closedAt: toDate(row.closed_at),
    agreementDueAt: toDate(row.agreement_due_at),
    nextDueAt: toDate(row.next_due_at),
    fixReleasedAt: toDate(row.fix_released_at),
    privacyIncidentAt: toDate(row.privacy_incident_at),
    authorityNotifyBy: toDate(row.authority_notify_by),
    authorityNotifiedAt: toDate(row.authority_notified_at),
    attachments: attachments.map((attachment) => ({
      id: attachment.id,
      ...openAttachmentMeta(keyring, caseId, attachment.id, attachment.meta_ct),
      size: attachment.size,
      createdAt: new Date(attachment.created_at),
      uploadedBy: attachment.uploaded_by === "team" ? "team" : "reporter",
      eventSeq: attachment.event_seq,
      reporterVisible: visibleSeqs.has(attachment.event_seq),
    })),
    events: events.map((event) => {
      const payload: Json = JSON.parse(decryptText(keyring, event.payload_ct, aad.event(caseId, event.seq)));
      return {
        seq: event.seq,
        type: event.type,
        actor: event.actor,
        at: new Date(event.at),
        reporterVisible: visibleSeqs.has(event.seq),
        payload,
        ...eventText(event.type, payload),
      };
    }),
  };
}

/** The text and files of the event types that carry them. */
function eventText(type: string, payload: Json): { text?: string; attachmentIds?: string[] } {
  switch (type) {
    case "team.reply":
    case "team.note": {
      const { text, attachmentIds } = teamReplyPayload.parse(payload);
      return { text, attachmentIds };
    }
    case "reporter.message": {
      const { text, attachmentIds } = reporterMessagePayload.parse(payload);
      return { text, attachmentIds };
    }
    case "attachment.added":
      return { attachmentIds: [attachmentAddedPayload.parse(payload).attachmentId] };
    case "case.state_changed": {
      const { reporterMessage } = stateChangedPayload.parse(payload);
      return reporterMessage === null ? {} : { text: reporterMessage };
    }
    case "reporter.agreement":
      return { text: reporterAgreementPayload.parse(payload).comment };
    case "incident.phase_noted":
    case "incident.phase_shared": {
      const { reporterMessage } = incidentPhasePayload.parse(payload);
      return reporterMessage === null ? {} : { text: reporterMessage };
    }
    default:
      return {};
  }
}

// ---------------------------------------------------------------------------------------------
// The command runner

export type CaseRow = CasesTable;
export type CaseChanges = Partial<
  Omit<CasesTable, "id" | "event_count" | "last_event_hash" | "updated_at" | "next_due_at">
>;

export interface CommandPlan<T> {
  result: T;
  /** Nothing to do when empty: the command writes nothing at all. */
  events: NewEvent[];
  set?: CaseChanges;
  /** Writes rows that follow the events (attachments need their event's seq; tags, followers). */
  write?: (trx: Transaction<DatabaseSchema>, seqs: readonly number[]) => Promise<void>;
}

export type CaseLocator = { id: string } | { tokenHash: string };

/** Runs one case command (exported for the store's other command modules, e.g. incident-phases.ts). */
export async function runCaseCommand<T>(
  store: Store,
  keyring: Keyring,
  locator: CaseLocator,
  at: Date,
  plan: (row: CaseRow, trx: Transaction<DatabaseSchema>) => Promise<CommandPlan<T>> | CommandPlan<T>,
): Promise<T> {
  const when = checkDate(at, "at");
  return store.transaction(async (trx) => {
    const query = trx.selectFrom("cases").selectAll();
    const row = await ("id" in locator
      ? query.where("id", "=", locator.id)
      : query.where("reporter_token_hash", "=", locator.tokenHash)
    )
      .$if(store.dialect === "postgres", (locked) => locked.forUpdate())
      .executeTakeFirst();
    if (row === undefined) throw new CaseNotFoundError("id" in locator ? locator.id : "(reporter link)");
    // The index lookup matched the token's hash; compare again in constant time (as cases.ts does).
    if (
      "tokenHash" in locator &&
      !timingSafeEqual(Buffer.from(row.reporter_token_hash, "hex"), Buffer.from(locator.tokenHash, "hex"))
    ) {
      throw new CaseNotFoundError("(reporter link)");
    }
    const { result, events, set = {}, write } = await plan(row, trx);
    if (events.length === 0) return result;
    const chain = chainEvents(
      keyring,
      row.id,
      { eventCount: row.event_count, lastEventHash: row.last_event_hash },
      events,
    );
    await trx.insertInto("case_events").values(chain.rows).execute();
    await write?.(
      trx,
      chain.rows.map((event) => event.seq),
    );
    await trx
      .updateTable("cases")
      .set({
        ...set,
        event_count: chain.head.eventCount,
        last_event_hash: chain.head.lastEventHash,
        updated_at: when,
        next_due_at: nextDueAt({ ...row, ...set }),
      })
      .where("id", "=", row.id)
      .execute();
    await wakeCase(trx, row.id, at);
    return result;
  });
}

async function insertAttachments(
  trx: Transaction<DatabaseSchema>,
  sealed: readonly SealedAttachment[],
  seq: number | undefined,
): Promise<void> {
  if (seq === undefined) throw new Error("no event to attach the files to");
  for (const file of sealed) await trx.insertInto("attachments").values(file.row(seq)).execute();
}

// ---------------------------------------------------------------------------------------------
// Conversation

/** Marks the case acknowledged (reporter-visible). A second call changes nothing. */
export async function acknowledge(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  at: Date,
): Promise<{ acknowledged: boolean }> {
  checkActor(actor);
  return runCaseCommand<{ acknowledged: boolean }>(store, keyring, { id: caseId }, at, (row) =>
    row.acknowledged_at !== null
      ? { result: { acknowledged: false }, events: [] }
      : {
          result: { acknowledged: true },
          events: [{ type: "case.acknowledged", actor, at, payload: { via: "acknowledge" } }],
          set: { acknowledged_at: at.toISOString() },
        },
  );
}

/**
 * Replies to the reporter (reporter-visible, with files). The first reply also acknowledges the
 * case (an acknowledgement event first, when there was none). `detailedResponse` marks the reply
 * that meets the policy's "detailed response" promise.
 */
export async function replyToReporter(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  text: string,
  attachments: readonly NewAttachment[],
  at: Date,
  opts: { detailedResponse?: boolean } = {},
): Promise<{ seq: number; attachmentIds: string[] }> {
  checkActor(actor);
  checkMessage(text, attachments.length);
  checkDate(at, "at");
  const sealed = attachments.map((file) => sealAttachment(keyring, caseId, file, "team", at));
  const attachmentIds = sealed.map((file) => file.id);
  const iso = at.toISOString();
  return runCaseCommand(store, keyring, { id: caseId }, at, (row) => {
    const events: NewEvent[] = [];
    if (row.acknowledged_at === null) {
      events.push({ type: "case.acknowledged", actor, at, payload: { via: "reply" } });
    }
    const detailed = opts.detailedResponse === true;
    events.push({
      type: "team.reply",
      actor,
      at,
      payload: detailed ? { text, attachmentIds, detailedResponse: true } : { text, attachmentIds },
    });
    return {
      result: { seq: row.event_count + events.length, attachmentIds },
      events,
      set: {
        acknowledged_at: row.acknowledged_at ?? iso,
        first_team_reply_at: row.first_team_reply_at ?? iso,
        detailed_response_at: row.detailed_response_at ?? (detailed ? iso : null),
      },
      write: (trx, seqs) => insertAttachments(trx, sealed, seqs.at(-1)),
    };
  });
}

/** A note for the team only: never shown to the reporter, nor are its files downloadable by them. */
export async function addInternalNote(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  text: string,
  at: Date,
  attachments: readonly NewAttachment[] = [],
): Promise<{ seq: number; attachmentIds: string[] }> {
  checkActor(actor);
  checkMessage(text, attachments.length);
  checkDate(at, "at");
  const sealed = attachments.map((file) => sealAttachment(keyring, caseId, file, "team", at));
  const attachmentIds = sealed.map((file) => file.id);
  return runCaseCommand(store, keyring, { id: caseId }, at, (row) => ({
    result: { seq: row.event_count + 1, attachmentIds },
    events: [{ type: "team.note", actor, at, payload: { text, attachmentIds } }],
    write: (trx, seqs) => insertAttachments(trx, sealed, seqs.at(-1)),
  }));
}

// ---------------------------------------------------------------------------------------------
// Assignment and followers

/** Assigns the case to a team member, or unassigns it (null). The same assignee again changes nothing. */
export async function assign(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  assignee: string | null,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  if (assignee !== null) checkUserId(assignee, "assignee");
  return runCaseCommand<{ changed: boolean }>(store, keyring, { id: caseId }, at, (row) =>
    row.assignee === assignee
      ? { result: { changed: false }, events: [] }
      : {
          result: { changed: true },
          events: [{ type: "case.assigned", actor, at, payload: { from: row.assignee, to: assignee } }],
          set: { assignee },
        },
  );
}

/** The user follows the case (for notifications); following twice changes nothing. */
export async function follow(
  store: Store,
  keyring: Keyring,
  caseId: string,
  userId: string,
  at: Date,
): Promise<{ changed: boolean }> {
  const actor = teamActor(userId);
  return runCaseCommand<{ changed: boolean }>(store, keyring, { id: caseId }, at, async (row, trx) => {
    const existing = await trx
      .selectFrom("case_followers")
      .select("user_id")
      .where("case_id", "=", row.id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (existing !== undefined) return { result: { changed: false }, events: [] };
    return {
      result: { changed: true },
      events: [{ type: "case.followed", actor, at, payload: { userId } }],
      write: async (trx) => {
        await trx
          .insertInto("case_followers")
          .values({ case_id: row.id, user_id: userId, created_at: at.toISOString() })
          .execute();
      },
    };
  });
}

export async function unfollow(
  store: Store,
  keyring: Keyring,
  caseId: string,
  userId: string,
  at: Date,
): Promise<{ changed: boolean }> {
  const actor = teamActor(userId);
  return runCaseCommand<{ changed: boolean }>(store, keyring, { id: caseId }, at, async (row, trx) => {
    const existing = await trx
      .selectFrom("case_followers")
      .select("user_id")
      .where("case_id", "=", row.id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (existing === undefined) return { result: { changed: false }, events: [] };
    return {
      result: { changed: true },
      events: [{ type: "case.unfollowed", actor, at, payload: { userId } }],
      write: async (trx) => {
        await trx
          .deleteFrom("case_followers")
          .where("case_id", "=", row.id)
          .where("user_id", "=", userId)
          .execute();
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Triage

/** Fields to change; a field left out stays as it is, null clears it. */
export interface TriageChanges {
  priority?: Priority | null;
  dueAt?: Date | null;
  severity?: Severity | null;
  cvss31?: CvssValue | null;
  cvss40?: CvssValue | null;
  cwe?: string | null;
  /** One of the program's scope asset ids (checked against the policy above the store). */
  assetId?: string | null;
  tags?: string[];
}

/**
 * Applies triage changes as one `case.triage_updated` event whose payload is the diff,
 * `{field: {from, to}}`, of the fields that actually changed; nothing changed, nothing written.
 */
export async function updateTriage(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  changes: TriageChanges,
  at: Date,
): Promise<{ changed: boolean; diff: TriageDiff }> {
  checkActor(actor);
  const wanted = checkTriage(changes);
  return runCaseCommand<{ changed: boolean; diff: TriageDiff }>(
    store,
    keyring,
    { id: caseId },
    at,
    async (row, trx) => {
      const diff: TriageDiff = {};
      const set: CaseChanges = {};
      const scalar = <K extends "priority" | "due_at" | "severity" | "cwe" | "asset_id">(
        field: string,
        column: K,
        value: CasesTable[K] | undefined,
      ) => {
        if (value === undefined || value === row[column]) return;
        diff[field] = { from: row[column], to: value };
        set[column] = value;
      };
      scalar("priority", "priority", wanted.priority);
      scalar("dueAt", "due_at", wanted.dueAt);
      scalar("severity", "severity", wanted.severity);
      scalar("cwe", "cwe", wanted.cwe);
      scalar("assetId", "asset_id", wanted.assetId);
      for (const [field, value, current] of [
        ["cvss31", wanted.cvss31, cvssOf(row.cvss31_vector, row.cvss31_score)],
        ["cvss40", wanted.cvss40, cvssOf(row.cvss40_vector, row.cvss40_score)],
      ] as const) {
        if (value === undefined || (value?.vector === current?.vector && value?.score === current?.score))
          continue;
        diff[field] = { from: current, to: value };
        if (field === "cvss31") {
          set.cvss31_vector = value?.vector ?? null;
          set.cvss31_score = value?.score ?? null;
        } else {
          set.cvss40_vector = value?.vector ?? null;
          set.cvss40_score = value?.score ?? null;
        }
      }
      let newTags: string[] | undefined;
      if (wanted.tags !== undefined) {
        const current = (
          await trx
            .selectFrom("case_tags")
            .select("tag")
            .where("case_id", "=", row.id)
            .orderBy("tag")
            .execute()
        ).map((tag) => tag.tag);
        if (current.join("\n") !== wanted.tags.join("\n")) {
          diff.tags = { from: current, to: wanted.tags };
          newTags = wanted.tags;
        }
      }
      if (Object.keys(diff).length === 0) return { result: { changed: false, diff }, events: [] };
      return {
        result: { changed: true, diff },
        events: [{ type: "case.triage_updated", actor, at, payload: diff }],
        set,
        write: async (trx) => {
          if (newTags === undefined) return;
          await trx.deleteFrom("case_tags").where("case_id", "=", row.id).execute();
          if (newTags.length > 0) {
            await trx
              .insertInto("case_tags")
              .values(newTags.map((tag) => ({ case_id: row.id, tag })))
              .execute();
          }
        },
      };
    },
  );
}

interface CheckedTriage {
  priority?: Priority | null;
  dueAt?: string | null;
  severity?: Severity | null;
  cvss31?: CvssValue | null;
  cvss40?: CvssValue | null;
  cwe?: string | null;
  assetId?: string | null;
  tags?: string[];
}

function checkTriage(changes: TriageChanges): CheckedTriage {
  const checked: CheckedTriage = {};
  const { priority, dueAt, severity, cvss31, cvss40, cwe, assetId, tags } = changes;
  if (priority !== undefined) checked.priority = priority === null ? null : checkPriority(priority);
  if (dueAt !== undefined) checked.dueAt = dueAt === null ? null : checkDate(dueAt, "dueAt");
  if (severity !== undefined) checked.severity = severity === null ? null : checkSeverity(severity);
  if (cvss31 !== undefined) checked.cvss31 = cvss31 === null ? null : checkCvss("3.1", cvss31);
  if (cvss40 !== undefined) checked.cvss40 = cvss40 === null ? null : checkCvss("4.0", cvss40);
  if (cwe !== undefined) checked.cwe = cwe === null ? null : normaliseCwe(cwe);
  if (assetId !== undefined) {
    if (assetId !== null && !PolicyId.safeParse(assetId).success) {
      throw new InvalidCaseCommandError("assetId", "an asset id is a policy id (lower case, digits, -)");
    }
    checked.assetId = assetId;
  }
  if (tags !== undefined) checked.tags = normaliseTags(tags);
  return checked;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

/** What the caller decides; the store adds the current state, the case id and the instant. */
export type TransitionRequest = Omit<TransitionInput, "from" | "caseId" | "now">;

export interface TransitionResult {
  from: CaseState;
  to: CaseState;
  outcome: ClosingOutcome | null;
  reporterMessage: string | null;
  agreementDueAt: Date | null;
  /** The event types written, in order. */
  events: string[];
}

/**
 * The store's names for the lifecycle's events. The state change is recorded once, as the
 * reporter-visible `case.state_changed` that also carries what the reporter is told; other
 * hyphenated domain names become the store's snake_case ones.
 */
const DOMAIN_EVENT_NAMES: Readonly<Record<string, string>> = {
  "case.state-changed": "case.state_changed",
  "case.duplicate-marked": "case.duplicate_marked",
  "case.reporter-agreement-requested": "case.agreement_requested",
};
const storeEventType = (type: string): string => DOMAIN_EVENT_NAMES[type] ?? type.replaceAll("-", "_");

/** States that come before a fix: moving (back) to one drops the fix time and any pending agreement. */
const BEFORE_FIX: ReadonlySet<string> = new Set(["new", "triaged", "in-progress", "needs-info"]);
/** Reaching one of these means the case has been triaged. */
const TRIAGED: ReadonlySet<string> = new Set(["triaged", "in-progress", "fixed", "disclosed"]);

/** What the policy adds to a transition beyond the lifecycle's rules (the store knows no policy). */
export interface TransitionOptions {
  /**
   * When the acknowledgement falls due for a case received at `receivedAt` that waited for its
   * reporter during `waiting` (src/domain/clocks/case-clocks.ts acknowledgementDueAt). Given when
   * the policy's acknowledgement clock pauses while waiting for the reporter: moving into or out
   * of `needs-info` then recomputes `acknowledge_by`, so the inbox (which sorts on the row's
   * columns, not on the events) and the reporter's page show the deadline the clock really has.
   */
  acknowledgementDueAt?: (receivedAt: Date, waiting: readonly Pause[]) => Date | null;
}

/**
 * Moves the case to another state when the lifecycle (src/domain/lifecycle) allows it, and throws
 * TransitionRefused (writing nothing) when it does not. Records `case.state_changed` (the reporter
 * sees its message) and the decision's other events; keeps outcome, duplicate_of, the lifecycle
 * timestamps, the agreement deadline and (see TransitionOptions) the acknowledgement deadline on
 * the case row.
 */
export async function transition(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  request: TransitionRequest,
  at: Date,
  options: TransitionOptions = {},
): Promise<TransitionResult> {
  checkActor(actor);
  return runCaseCommand(store, keyring, { id: caseId }, at, async (row, trx) => {
    if (!isCaseState(row.state)) throw new Error(`case ${row.id} is in an unknown state "${row.state}"`);
    const from = row.state;
    const decision = decideTransition({ ...request, from, caseId: row.id, now: at });
    if (!decision.ok) throw new TransitionRefused(decision);

    // A wait for the reporter begins or ends: the acknowledgement deadline moves (null while the
    // case waits: nothing is due while paused). Once acknowledged, that clock has stopped.
    let acknowledgeBy = row.acknowledge_by;
    const dueAt = options.acknowledgementDueAt;
    if (
      dueAt !== undefined &&
      row.acknowledged_at === null &&
      (from === WAITING) !== (decision.to === WAITING)
    ) {
      const changes = [...(await stateChanges(trx, keyring, row.id)), { at, from, to: decision.to }];
      acknowledgeBy = dueAt(new Date(row.received_at), waitingForReporter(changes))?.toISOString() ?? null;
    }

    let duplicateOf: string | null = null;
    if (decision.outcome === "duplicate") {
      duplicateOf = request.duplicateOf?.trim() ?? "";
      const original = await trx
        .selectFrom("cases")
        .select("id")
        .where("id", "=", duplicateOf)
        .where("program", "=", row.program)
        .executeTakeFirst();
      if (original === undefined) throw new DuplicateOfUnknownError(duplicateOf);
    }

    const iso = at.toISOString();
    const agreementDueAt = decision.agreementDueAt?.toISOString() ?? null;
    const stateChanged: { [key: string]: Json } = {
      from,
      to: decision.to,
      outcome: decision.outcome,
      reporterMessage: decision.reporterMessage,
      agreementDueAt,
    };
    let statePayload = stateChanged;
    const others: NewEvent[] = [];
    for (const event of decision.events) {
      const type = storeEventType(event.type);
      const payload = toJsonObject(event.payload, event.type);
      if (type === "case.state_changed") statePayload = { ...payload, ...stateChanged };
      else others.push({ type: domainEventType(type), actor, at, payload });
    }
    if (agreementDueAt !== null && !others.some((event) => event.type === "case.agreement_requested")) {
      others.push({ type: "case.agreement_requested", actor, at, payload: { dueAt: agreementDueAt } });
    }
    if (duplicateOf !== null && !others.some((event) => event.type === "case.duplicate_marked")) {
      others.push({ type: domainEventType("case.duplicate_marked"), actor, at, payload: { duplicateOf } });
    }
    const events: NewEvent[] = [{ type: "case.state_changed", actor, at, payload: statePayload }, ...others];

    const to = decision.to;
    return {
      result: {
        from,
        to,
        outcome: decision.outcome,
        reporterMessage: decision.reporterMessage,
        agreementDueAt: decision.agreementDueAt,
        events: events.map((event) => event.type),
      },
      events,
      set: {
        state: to,
        outcome: decision.outcome,
        duplicate_of: duplicateOf,
        closed_at: to === "closed" ? iso : null,
        triaged_at: row.triaged_at ?? (TRIAGED.has(to) ? iso : null),
        fixed_at: to === "fixed" ? iso : BEFORE_FIX.has(to) ? null : row.fixed_at,
        agreement_due_at:
          agreementDueAt ?? (to === "closed" || BEFORE_FIX.has(to) ? null : row.agreement_due_at),
        acknowledge_by: acknowledgeBy,
      },
    };
  });
}

/** The state the case waits for its reporter in (src/domain/clocks/pauses.ts). */
const WAITING = "needs-info";

/** The case's recorded state changes, read (and decrypted) inside the command's transaction. */
async function stateChanges(
  trx: Transaction<DatabaseSchema>,
  keyring: Keyring,
  caseId: string,
): Promise<StateChange[]> {
  const rows = await trx
    .selectFrom("case_events")
    .select(["seq", "at", "payload_ct"])
    .where("case_id", "=", caseId)
    .where("type", "=", "case.state_changed")
    .orderBy("seq")
    .execute();
  await keyring.ensure(rows.map((r) => keyIdOf(r.payload_ct)));
  return rows.flatMap((r) => {
    const payload = stateChangedPayload.safeParse(
      JSON.parse(decryptText(keyring, r.payload_ct, aad.event(caseId, r.seq))),
    ).data;
    return payload === undefined ? [] : [{ at: new Date(r.at), from: payload.from, to: payload.to }];
  });
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const MAX_COMMENT_LENGTH = 10_000;

/**
 * The reporter's answer to "does the fix resolve your report?" (reporter-visible), through their
 * case link. Only while an agreement is pending; the answer ends it. Unknown links throw
 * CaseNotFoundError, as any other unknown case.
 */
export async function respondToAgreement(
  store: Store,
  keyring: Keyring,
  reporterToken: string,
  agree: boolean,
  comment: string,
  at: Date,
): Promise<{ caseId: string; seq: number }> {
  if (!TOKEN.test(reporterToken)) throw new CaseNotFoundError("(reporter link)");
  if (comment.length > MAX_COMMENT_LENGTH) {
    throw new InvalidCaseCommandError("comment", `at most ${MAX_COMMENT_LENGTH} characters`);
  }
  return runCaseCommand(store, keyring, { tokenHash: sha256Hex(reporterToken) }, at, (row) => {
    if (row.agreement_due_at === null) throw new AgreementNotPendingError();
    return {
      result: { caseId: row.id, seq: row.event_count + 1 },
      events: [{ type: "reporter.agreement", actor: "reporter", at, payload: { agree, comment } }],
      set: { agreement_due_at: null },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Disclosure: the fix release, privacy incidents and the authority (src/domain/clocks/disclosure.ts)

/** Clients' clocks may run a little ahead of ours; an instant further ahead than this is refused. */
const FUTURE_SLACK_MS = 5 * 60_000;

function checkPast(value: Date, field: string, at: Date, what: string): string {
  const iso = checkDate(value, field);
  if (value.getTime() > at.getTime() + FUTURE_SLACK_MS) {
    throw new InvalidCaseCommandError(field, `${what} cannot be in the future`);
  }
  return iso;
}

/**
 * Records when the fix was released (internal: `case.fix_released`); the disclosure phases and the
 * clocks that start at the fix release run from it. Recording another instant corrects it (the
 * event keeps the previous one); the same instant again changes nothing.
 */
export async function recordFixRelease(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  releasedAt: Date,
  at: Date,
): Promise<{ changed: boolean; releasedAt: Date }> {
  checkActor(actor);
  const released = checkPast(releasedAt, "releasedAt", at, "a fix release");
  return runCaseCommand<{ changed: boolean; releasedAt: Date }>(store, keyring, { id: caseId }, at, (row) =>
    row.fix_released_at === released
      ? { result: { changed: false, releasedAt }, events: [] }
      : {
          result: { changed: true, releasedAt },
          events: [
            {
              type: "case.fix_released",
              actor,
              at,
              payload: { releasedAt: released, previous: row.fix_released_at },
            },
          ],
          set: { fix_released_at: released },
        },
  );
}

/**
 * Marks the case a privacy incident since `since` (when the team became aware; internal:
 * `case.privacy_incident_marked`). `notifyBy` is the policy's authority notification deadline
 * (null when it sets none); it joins the case's `next_due_at` until the authority is notified.
 * Marking a case again changes nothing.
 */
export async function markPrivacyIncident(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  incident: { since: Date; notifyBy: Date | null },
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  const since = checkPast(incident.since, "since", at, "the start of a privacy incident");
  const notifyBy = incident.notifyBy === null ? null : checkDate(incident.notifyBy, "notifyBy");
  return runCaseCommand<{ changed: boolean }>(store, keyring, { id: caseId }, at, (row) =>
    row.privacy_incident_at !== null
      ? { result: { changed: false }, events: [] }
      : {
          result: { changed: true },
          events: [{ type: "case.privacy_incident_marked", actor, at, payload: { since, notifyBy } }],
          set: { privacy_incident_at: since, authority_notify_by: notifyBy },
        },
  );
}

/**
 * Records that the authority was notified (internal: `case.authority_notified`), which stops the
 * authority clock. Only on a privacy incident (NotAPrivacyIncidentError otherwise), not before it
 * began; recording it again changes nothing.
 */
export async function recordAuthorityNotified(
  store: Store,
  keyring: Keyring,
  caseId: string,
  actor: TeamActor,
  notifiedAt: Date,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  const notified = checkPast(notifiedAt, "notifiedAt", at, "a notification");
  return runCaseCommand<{ changed: boolean }>(store, keyring, { id: caseId }, at, (row) => {
    if (row.privacy_incident_at === null) throw new NotAPrivacyIncidentError();
    if (row.authority_notified_at !== null) return { result: { changed: false }, events: [] };
    if (notified < row.privacy_incident_at) {
      throw new InvalidCaseCommandError("notifiedAt", "the notification cannot come before the incident");
    }
    return {
      result: { changed: true },
      events: [{ type: "case.authority_notified", actor, at, payload: { notifiedAt: notified } }],
      set: { authority_notified_at: notified },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Duplicates

export interface DuplicateCandidate {
  id: string;
  title: string;
  assetId: string | null;
  receivedAt: Date;
  /** The opening of the report's answers (at most DUPLICATE_TEXT_BYTES of UTF-8). */
  text: string;
}

export const DUPLICATE_TEXT_BYTES = 2048;
/** Closed cases count as candidates for this long before the case arrived (and any time after). */
const RECENT_MS = 365 * 86_400_000;

/**
 * Cases that might report the same thing, for the domain's similarity ranking
 * (src/domain/duplicates): up to `limit` of the same program that are still open or arrived
 * recently (within a year before this one), same asset first, newest first within each group.
 * Cases closed as duplicates are left out: their originals are candidates themselves.
 */
export async function duplicateCandidates(
  store: Store,
  keyring: Keyring,
  caseId: string,
  limit: number,
): Promise<DuplicateCandidate[]> {
  const target = await store.db
    .selectFrom("cases")
    .select(["id", "program", "asset_id", "received_at"])
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (target === undefined) throw new CaseNotFoundError(caseId);
  const take = Math.max(0, Math.min(Math.floor(limit), 500));
  if (take === 0) return [];
  const recentSince = new Date(new Date(target.received_at).getTime() - RECENT_MS).toISOString();
  const base = store.db
    .selectFrom("cases")
    .select(["id", "asset_id", "received_at", "report_ct"])
    .where("program", "=", target.program)
    .where("id", "!=", target.id)
    .where((eb) => eb.or([eb("outcome", "is", null), eb("outcome", "!=", "duplicate")]))
    .where((eb) => eb.or([eb("state", "!=", "closed"), eb("received_at", ">=", recentSince)]))
    .orderBy("received_at", "desc")
    .orderBy("id", "desc")
    .limit(take);
  const sameAsset =
    target.asset_id === null ? [] : await base.where("asset_id", "=", target.asset_id).execute();
  const others =
    sameAsset.length >= take
      ? []
      : await base
          .where((eb) =>
            target.asset_id === null
              ? eb.lit(true)
              : eb.or([eb("asset_id", "is", null), eb("asset_id", "!=", target.asset_id)]),
          )
          .limit(take - sameAsset.length)
          .execute();
  const rows = [...sameAsset, ...others];
  await keyring.ensure(rows.map((row) => keyIdOf(row.report_ct)));
  return rows.map((row) => {
    const report = reportSchema.parse(JSON.parse(decryptText(keyring, row.report_ct, aad.report(row.id))));
    return {
      id: row.id,
      title: report.title,
      assetId: row.asset_id,
      receivedAt: new Date(row.received_at),
      text: utf8Prefix(Object.values(report.fields).join("\n\n"), DUPLICATE_TEXT_BYTES),
    };
  });
}

/** The longest prefix of `text` that fits in `bytes` bytes of UTF-8, cut between characters. */
export function utf8Prefix(text: string, bytes: number): string {
  const encoded = Buffer.from(text, "utf8");
  if (encoded.length <= bytes) return text;
  let end = bytes;
  // Back up over continuation bytes (10xxxxxx) so no character is cut in half.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return encoded.subarray(0, end).toString("utf8");
}
