import { type NewAttachment, sealAttachment } from "../store/attachments.js";
import { caseKeysOf } from "../store/case-keys.js";
import type { NewEvent } from "../store/event-log.js";
import { currentSearchKey } from "../store/search-index.js";
import { checkActor, checkDate, checkMessage, type TeamActor } from "../store/staff-validation.js";

import { type CaseDeps, insertAttachments, runCaseCommand } from "./case-change.js";

// ---------------------------------------------------------------------------------------------
// Conversation

/** Marks the case acknowledged (reporter-visible). A second call changes nothing. */
export async function acknowledge(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  at: Date,
): Promise<{ acknowledged: boolean }> {
  checkActor(actor);
  return runCaseCommand<{ acknowledged: boolean }>(deps, { id: caseId }, at, (row) =>
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
  deps: CaseDeps,
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
  const keys = await caseKeysOf(deps.store.db, deps.keyring, caseId);
  const sealed = attachments.map((file) => sealAttachment(keys, caseId, file, "team", at));
  const attachmentIds = sealed.map((file) => file.id);
  const iso = at.toISOString();
  // Before the transaction: the reply's words go in the blind index with it (cached: no query).
  const searchKey = await currentSearchKey(deps.store, deps.keyring);
  return runCaseCommand(deps, { id: caseId }, at, (row) => {
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
      searchKey,
    };
  });
}

/** A note for the team only: never shown to the reporter, nor are its files downloadable by them. */
export async function addInternalNote(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  text: string,
  at: Date,
  attachments: readonly NewAttachment[] = [],
): Promise<{ seq: number; attachmentIds: string[] }> {
  checkActor(actor);
  checkMessage(text, attachments.length);
  checkDate(at, "at");
  const keys = await caseKeysOf(deps.store.db, deps.keyring, caseId);
  const sealed = attachments.map((file) => sealAttachment(keys, caseId, file, "team", at));
  const attachmentIds = sealed.map((file) => file.id);
  const searchKey = await currentSearchKey(deps.store, deps.keyring);
  return runCaseCommand(deps, { id: caseId }, at, (row) => ({
    result: { seq: row.event_count + 1, attachmentIds },
    events: [{ type: "team.note", actor, at, payload: { text, attachmentIds } }],
    write: (trx, seqs) => insertAttachments(trx, sealed, seqs.at(-1)),
    searchKey,
  }));
}
