import { timingSafeEqual } from "node:crypto";
import type { Transaction } from "kysely";
import type { Keyring } from "../crypto/keyring.js";
import type { Services } from "../services.js";
import type { SealedAttachment } from "../store/attachments.js";
import { caseKeysOf } from "../store/case-keys.js";
import { wakeCase } from "../store/case-timers.js";
import { CaseErasedError, CaseNotFoundError } from "../store/cases.js";
import type { Store } from "../store/database.js";
import { nextDueAt } from "../store/deadlines.js";
import { type ChainHead, chainEvents, type NewEvent } from "../store/event-log.js";
import type { CasesTable, DatabaseSchema } from "../store/schema.js";
import { eventTerms, insertTerms, type SearchKey } from "../store/search-index.js";
import { checkDate } from "../store/staff-validation.js";

/**
 * The one way a case changes. Every write to a case (staff commands, the reporter's messages and
 * answers, mail intake, incident phases, the timer worker's escalation steps, a new report's first
 * events) goes through `appendToCase`, the only code that inserts into `case_events`: it continues
 * the case's hash chain, applies the command's column changes, keeps `updated_at` and
 * `next_due_at` true, and wakes the case's timer, all in the caller's transaction. Commands
 * normally reach it through `changeCase`, which first locks the case row (FOR UPDATE on
 * PostgreSQL; a SQLite write transaction already holds the database's write lock).
 */
export type CaseDeps = Pick<Services, "store" | "keyring">;

/** What the commands that read the time or the policy's calendar need besides the case store. */
export type CommandDeps = Pick<Services, "store" | "keyring" | "clock">;

export type Trx = Transaction<DatabaseSchema>;
export type CaseRow = CasesTable;
/** Columns a command may set; the chain's columns, `updated_at` and `next_due_at` follow from the change. */
export type CaseChanges = Partial<
  Omit<CasesTable, "id" | "event_count" | "last_event_hash" | "updated_at" | "next_due_at">
>;

export interface CaseChange {
  /** Nothing to do when empty: nothing at all is written. */
  events: readonly NewEvent[];
  set?: CaseChanges;
  /** Writes rows that follow the events (attachments need their event's seq; tags, followers). */
  write?: (trx: Trx, seqs: readonly number[]) => Promise<void>;
  /**
   * The blind index's key (`currentSearchKey`, fetched before the transaction), required when an
   * event is a message, reply or note: its words are indexed with it (src/store/search-index.ts).
   */
  searchKey?: SearchKey;
  /**
   * Encrypt the events under the data key, not the case's own: what must outlive an erasure of
   * the case (the `case.erased` record itself, which holds nothing the reporter wrote).
   */
  underDataKey?: boolean;
}

export interface CommandPlan<T> extends CaseChange {
  result: T;
}

export type CaseLocator = { id: string } | { tokenHash: string };

/**
 * Appends `change` to the case whose current (locked) row is `row`. Returns the chain's new head
 * (the same head when there are no events: then nothing is written).
 */
export async function appendToCase(
  trx: Trx,
  keyring: Keyring,
  row: CaseRow,
  at: Date,
  change: CaseChange,
): Promise<ChainHead> {
  const head = { eventCount: row.event_count, lastEventHash: row.last_event_hash };
  if (change.events.length === 0) return head;
  // Nothing is added to an erased case: its key is gone, and what it said should stay gone.
  if ((row.erased_at ?? null) !== null) throw new CaseErasedError(row.id);
  const when = checkDate(at, "at");
  // The case's own key when it has one: erasing the case destroys it (src/store/erasure.ts).
  const keys = change.underDataKey === true ? keyring : await caseKeysOf(trx, keyring, row.id);
  const chain = chainEvents(keys, row.id, head, change.events);
  await trx.insertInto("case_events").values(chain.rows).execute();
  await insertTerms(trx, row.id, eventTerms(change.searchKey, row.id, change.events));
  await change.write?.(
    trx,
    chain.rows.map((event) => event.seq),
  );
  const set = change.set ?? {};
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
  return chain.head;
}

/**
 * The case row, locked for this transaction; undefined when there is no such case or, with
 * `skipLocked` (the timer worker), when another transaction holds it.
 */
export async function lockCase(
  trx: Trx,
  store: Store,
  locator: CaseLocator,
  options: { skipLocked?: boolean } = {},
): Promise<CaseRow | undefined> {
  const query = trx.selectFrom("cases").selectAll();
  const row = await ("id" in locator
    ? query.where("id", "=", locator.id)
    : query.where("reporter_token_hash", "=", locator.tokenHash)
  )
    .$if(store.dialect === "postgres", (locked) =>
      options.skipLocked === true ? locked.forUpdate().skipLocked() : locked.forUpdate(),
    )
    .executeTakeFirst();
  // The index lookup matched the token's hash; compare again in constant time, so no code path
  // depends on how much of a stored hash a guess shares.
  if (
    row !== undefined &&
    "tokenHash" in locator &&
    !timingSafeEqual(Buffer.from(row.reporter_token_hash, "hex"), Buffer.from(locator.tokenHash, "hex"))
  ) {
    return undefined;
  }
  return row;
}

/**
 * Locks the case, asks `plan` what to change given its row, and appends it, in the caller's
 * transaction. Throws CaseNotFoundError for an unknown case (or reporter link).
 */
export async function changeCase<T>(
  trx: Trx,
  deps: CaseDeps,
  locator: CaseLocator,
  at: Date,
  plan: (row: CaseRow, trx: Trx) => Promise<CommandPlan<T>> | CommandPlan<T>,
): Promise<T> {
  checkDate(at, "at");
  const row = await lockCase(trx, deps.store, locator);
  if (row === undefined) throw new CaseNotFoundError("id" in locator ? locator.id : "(reporter link)");
  // Before the plan, which may read the case's events: an erased case's are unreadable.
  if ((row.erased_at ?? null) !== null) throw new CaseErasedError(row.id);
  const { result, ...change } = await plan(row, trx);
  await appendToCase(trx, deps.keyring, row, at, change);
  return result;
}

/** One case command in a transaction of its own: `changeCase`, committed or, when it throws, not at all. */
export function runCaseCommand<T>(
  deps: CaseDeps,
  locator: CaseLocator,
  at: Date,
  plan: (row: CaseRow, trx: Trx) => Promise<CommandPlan<T>> | CommandPlan<T>,
): Promise<T> {
  return deps.store.transaction((trx) => changeCase(trx, deps, locator, at, plan));
}

/** Inserts sealed attachments under the event (by seq) that added them. */
export async function insertAttachments(
  trx: Trx,
  sealed: readonly SealedAttachment[],
  seq: number | undefined,
): Promise<void> {
  if (seq === undefined) throw new Error("no event to attach the files to");
  for (const file of sealed) await trx.insertInto("attachments").values(file.row(seq)).execute();
}
