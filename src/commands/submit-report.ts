import { ALL_PROGRAMS } from "../auth/staff.js";
import { encryptText } from "../crypto/envelope.js";
import { aad } from "../store/aad.js";
import { sealAttachment } from "../store/attachments.js";
import { type NewCaseKeys, newCaseKeys } from "../store/case-keys.js";
import { takeCaseNumber } from "../store/case-numbers.js";
import type { NewReport } from "../store/cases.js";
import { GENESIS_HASH } from "../store/chain.js";
import type { NewEvent } from "../store/event-log.js";
import { newReporterToken, sha256Hex, sortableId } from "../store/ids.js";
import { currentSearchKey } from "../store/search-index.js";
import type { TeamActor } from "../store/staff-validation.js";
import { appendToCase, type CaseDeps, type Trx } from "./case-change.js";

/**
 * Files a new report: the case row, its first events (`case.received`, then one
 * `attachment.added` per file) and the attachments, in one durable transaction (its words are
 * indexed later: see below). Everything the reporter wrote is encrypted before the transaction
 * opens. The case row starts with an empty chain and the events go through `appendToCase`, like
 * any other change.
 * The case takes the next number of its program (KITSU-12) in the same transaction.
 */
export async function submitReport(
  deps: CaseDeps,
  /**
   * `defaultAssignee`: the address of the member a new case goes to (the register's default assignee).
   * `openedBy`: the team member who opened the case (an incident without a reporter): the actor
   * of its first events instead of "reporter", and the case's `opened_by`.
   */
  report: NewReport & { defaultAssignee?: string | null; openedBy?: TeamActor },
  /** More writes in the same transaction (mail intake: its threads, receipt and inbound row). */
  also?: (trx: Trx, caseId: string, reporterToken: string) => Promise<void>,
): Promise<{ caseId: string; reporterToken: string; number: number }> {
  const { store, keyring } = deps;
  const at = report.receivedAt;
  const caseId = sortableId(at);
  const reporterToken = newReporterToken();
  const author = report.openedBy ?? "reporter";
  // The case's own keys (src/store/case-keys.ts): erasing it later destroys them.
  const caseKeys = newCaseKeys(keyring, caseId, at);
  const sealed = sealReport(caseKeys, caseId, report);
  const attachments = report.attachments.map((file) =>
    sealAttachment(caseKeys.content, caseId, file, "reporter", at),
  );
  const events: NewEvent[] = [
    {
      type: "case.received",
      actor: author,
      at,
      payload: {
        source: report.source,
        assetId: report.assetId,
        ...(report.mail === undefined ? {} : { mail: report.mail }),
      },
    },
    ...attachments.map(
      (file): NewEvent => ({
        type: "attachment.added",
        actor: author,
        at,
        payload: { attachmentId: file.id },
      }),
    ),
  ];
  // The report's words, its title's included, are indexed later, off this hot path: the case is
  // left pending (`search_index_version` null) for `indexPendingCases`, which every text search
  // runs first (src/store/search-index.ts). Indexing the title here as well wrote its rows twice
  // and cost a page of the term index per word in each intake commit.
  const searchKey = await currentSearchKey(store, keyring);

  const number = await store.durableWrite(async (trx) => {
    const taken = await takeCaseNumber(trx, report.program);
    const row = await trx
      .insertInto("cases")
      .values({
        id: caseId,
        program: report.program,
        number: taken,
        state: "new",
        source: report.source,
        asset_id: report.assetId,
        received_at: at.toISOString(),
        acknowledge_by: report.acknowledgeBy?.toISOString() ?? null,
        updated_at: at.toISOString(),
        reporter_token_hash: sha256Hex(reporterToken),
        report_ct: sealed.report,
        contact_ct: sealed.contact,
        event_count: 0,
        last_event_hash: GENESIS_HASH,
        next_due_at: null,
        search_key_id: searchKey.id,
        opened_by: report.openedBy === undefined ? null : report.openedBy.slice("team:".length),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (caseKeys.rows.length > 0) await trx.insertInto("case_keys").values(caseKeys.rows).execute();
    const assignee = await workingMemberByEmail(trx, report.program, report.defaultAssignee ?? null);
    await appendToCase(trx, keyring, row, at, {
      events:
        assignee === null
          ? events
          : [
              ...events,
              { type: "case.assigned", actor: "system", at, payload: { from: null, to: assignee } },
            ],
      ...(assignee === null ? {} : { set: { assignee } }),
      write: async (trx, seqs) => {
        // Event 1 is case.received; attachment i was added by the event after it (the
        // assignment, when there is one, comes after the attachments).
        for (const [index, file] of attachments.entries()) {
          await trx
            .insertInto("attachments")
            .values(file.row(seqs[index + 1]!))
            .execute();
        }
      },
    });
    await also?.(trx, caseId, reporterToken);
    return taken;
  });
  return { caseId, reporterToken, number };
}

function sealReport(keys: NewCaseKeys, caseId: string, report: NewReport) {
  const { title, fields, credit } = report;
  const hasContact = report.contact.email !== undefined || report.contact.openpgpKey !== undefined;
  return {
    report: encryptText(keys.content, JSON.stringify({ title, fields, credit }), aad.report(caseId)),
    contact: hasContact
      ? encryptText(keys.contact, JSON.stringify(report.contact), aad.contact(caseId))
      : null,
  };
}

/**
 * The id of the enabled member with `email` who may work the program's cases (a responder or an
 * administrator of it, or of every program); null when there is none.
 */
async function workingMemberByEmail(trx: Trx, program: string, email: string | null): Promise<string | null> {
  if (email === null) return null;
  const row = await trx
    .selectFrom("users")
    .innerJoin("memberships", "memberships.user_id", "users.id")
    .select("users.id")
    .where("users.email", "=", email.toLowerCase())
    .where("users.disabled_at", "is", null)
    .where("memberships.program", "in", [program, ALL_PROGRAMS])
    .where("memberships.role", "in", ["responder", "admin"])
    .executeTakeFirst();
  return row?.id ?? null;
}
