import type { NewAttachment } from "../store/attachments.js";
import { sealAttachment } from "../store/attachments.js";
import { caseKeysOf } from "../store/case-keys.js";
import type { MailFacts } from "../store/events.js";
import { currentSearchKey } from "../store/search-index.js";
import { type CaseDeps, insertAttachments, runCaseCommand, type Trx } from "./case-change.js";

/** Appends the reporter's message (and its attachments) to the case's timeline. */
export async function addReporterMessage(
  deps: CaseDeps,
  caseId: string,
  text: string,
  attachments: readonly NewAttachment[],
  at: Date,
  options: { mail?: MailFacts; also?: (trx: Trx) => Promise<void> } = {},
): Promise<void> {
  const keys = await caseKeysOf(deps.store.db, deps.keyring, caseId);
  const sealed = attachments.map((file) => sealAttachment(keys, caseId, file, "reporter", at));
  const attachmentIds = sealed.map((file) => file.id);
  // Before the transaction: the message's words go in the blind index with it (cached: no query).
  const searchKey = await currentSearchKey(deps.store, deps.keyring);
  await runCaseCommand(deps, { id: caseId }, at, () => ({
    result: undefined,
    events: [
      {
        type: "reporter.message",
        actor: "reporter",
        at,
        payload: { text, attachmentIds, ...(options.mail === undefined ? {} : { mail: options.mail }) },
      },
    ],
    write: async (trx, seqs) => {
      await insertAttachments(trx, sealed, seqs.at(-1));
      await options.also?.(trx);
    },
    searchKey,
  }));
}
