import { createHmac, randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { decryptText, encryptText, type KeySource, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import { reportSchema } from "./cases.js";
import type { Store } from "./database.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * A blind index over a case's encrypted words, so the inbox can find "every case with these
 * words" without decrypting anything: the title, every text of the report (its template fields
 * and the credit the reporter asked for) and the conversation (the reporter's messages, by the
 * web or by mail, the team's replies and its internal notes: only the team searches). Each
 * distinct normalised word is stored as `HMAC-SHA256(searchKey, word)`, hex, truncated to 32
 * characters (128 bits), in `case_title_terms`; a search hashes its words the same way and
 * matches hashes.
 *
 * One table for all of a case's words, despite its name (kept from when it held titles only, so
 * backups and tooling see no new table): a search asks "which cases have these words anywhere",
 * and one row per distinct word and case answers that with one index lookup per word. A title
 * word is found exactly as before; a word in both the title and the body is one row. Keeping body
 * words apart would cost a second lookup per word and tell a reader of the database more (which
 * words are in titles). Rows are only ever added for a case (`on conflict do nothing`), so no
 * writer needs to know what is there already.
 *
 * When words are indexed:
 * - A message's, reply's or note's words: by `appendToCase` (src/commands/case-change.ts), the one
 *   place events are written, in the same transaction, with the key the command fetched before it
 *   (`CaseChange.searchKey`; `currentSearchKey` keeps it per store handle: no query).
 * - The report's texts, its title included: later, off the intake path. A new case is left
 *   pending (`cases.search_index_version` null) and `indexPendingCases` indexes every pending case
 *   before each text search (and at server start, and a batch at a time from the job runner), so
 *   a search still sees every case. Indexing them at intake cost a few hundred HMACs and index
 *   rows per report, each row in a random place of the term index: the intake benchmark fell from
 *   about 500 to 130 reports a second on SQLite. The title alone was indexed at intake until issue
 *   17; its rows were then written a second time with the rest, and each of its words cost a page
 *   of the term index in the intake's commit.
 * Not indexed: attachments (a long mail's full text is one), state change and phase messages,
 * agreement comments and feedback.
 *
 * Caps, so a huge report cannot blow up the index: a title (or a search) yields at most 100
 * terms, any other text (one field, one message) at most 1,000 distinct words, the first ones it
 * uses; a word is cut to 64 characters (a search cuts its words the same way). A typical 2 kB
 * report is about 230 rows, some 45 kB of index on SQLite (the table and its two b-trees).
 *
 * The search key is its own random 32-byte key, stored in `search_keys` encrypted under the data
 * keys (like any other ciphertext), rather than derived from a data key: it survives data key
 * rotation unchanged (`keys rotate` only re-encrypts it, so the index stays valid), it does not
 * depend on an old data key being kept forever, and it has an id, so a new search key can one day
 * be introduced and cases re-indexed under it (`cases.search_key_id` says which key indexed
 * each case; `backfillSearchIndex` makes a case indexed under another key pending again).
 *
 * What the index reveals to someone holding the database but not the keys: how many distinct
 * words a case has (title, report and conversation together, growing as messages arrive, so
 * roughly how long its texts are), and which cases share a word (equal hashes: a rare word
 * shared, such as a product name or a reporter's name, links those cases), not the words
 * themselves. How many cases share each hash could let someone guess the commonest words ("the").
 */
export const SEARCH_KEY_ID = "s1";
/** `cases.search_index_version` of a case whose report and conversation are indexed (null: pending). */
export const SEARCH_INDEX_VERSION = 2;
const SEARCH_KEY_BYTES = 32;
const TERM_HASH_LENGTH = 32;
/** A title (or a search) yields at most this many terms; any other text at most MAX_TEXT_WORDS. */
const MAX_TITLE_WORDS = 100;
const MAX_TEXT_WORDS = 1000;
const MAX_WORD_LENGTH = 64;
const BACKFILL_BATCH = 100;

/** The events whose `text` is part of the conversation, and so searchable. */
export const CONVERSATION_EVENTS: readonly string[] = ["reporter.message", "team.reply", "team.note"];

export const searchKeyAad = (id: string): string => `search-key:${id}`;

export interface SearchKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The words of a text as the index sees them: lower case, accents removed (NFKD, marks dropped),
 * split on anything that is not a letter or digit, distinct, in first-seen order, at most `max`.
 */
export function searchWords(text: string, max = MAX_TEXT_WORDS): string[] {
  const words = new Set<string>();
  for (const word of text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .split(/[^\p{L}\p{N}]+/u)) {
    if (word === "") continue;
    words.add(word.length <= MAX_WORD_LENGTH ? word : [...word].slice(0, MAX_WORD_LENGTH).join(""));
    if (words.size >= max) break;
  }
  return [...words];
}

/** The words of a title (or of a search): at most 100. */
export function titleWords(text: string): string[] {
  return searchWords(text, MAX_TITLE_WORDS);
}

export function termHash(key: SearchKey, word: string): string {
  return createHmac("sha256", key.key).update(word, "utf8").digest("hex").slice(0, TERM_HASH_LENGTH);
}

/** The term hashes of a title (to store) or of a search (to match): the same function. */
export function termHashes(key: SearchKey, text: string): string[] {
  return [...new Set(titleWords(text).map((word) => termHash(key, word)))];
}

/** The distinct term hashes of a case's texts: the title capped as before, each other text on its own. */
function textTerms(key: SearchKey, title: string | null, texts: readonly string[]): string[] {
  const words = new Set(title === null ? [] : titleWords(title));
  for (const text of texts) for (const word of searchWords(text)) words.add(word);
  return [...words].map((word) => termHash(key, word));
}

/** A stored report as far as the index reads it (src/store/cases.ts reportSchema). */
export interface IndexedReport {
  title: string;
  fields: Readonly<Record<string, string>>;
  credit: { mode: string; name?: string; link?: string };
}

/** The term hashes of a report: its title, each field's answer, and the credit it asks for. */
export function reportTerms(key: SearchKey, report: IndexedReport): string[] {
  const credit =
    report.credit.mode === "anonymous" ? [] : [report.credit.name ?? "", report.credit.link ?? ""];
  return textTerms(key, report.title, [...Object.values(report.fields), ...credit]);
}

/** The searchable text of an event: a message's, reply's or note's; undefined for any other. */
export function conversationText(type: string, payload: unknown): string | undefined {
  if (!CONVERSATION_EVENTS.includes(type)) return undefined;
  if (
    typeof payload === "object" &&
    payload !== null &&
    "text" in payload &&
    typeof payload.text === "string"
  )
    return payload.text;
  return undefined;
}

/**
 * The term hashes of new events (none when no event is a message). A message without the key is
 * a mistake in the command that wrote it, not something to skip silently: it would never be
 * found.
 */
export function eventTerms(
  key: SearchKey | undefined,
  caseId: string,
  events: readonly { type: string; payload: unknown }[],
): string[] {
  const texts = events.flatMap((event) => conversationText(event.type, event.payload) ?? []);
  if (texts.length === 0) return [];
  if (key === undefined) throw new Error(`a message on case ${caseId} was written without the search key`);
  return textTerms(key, null, texts);
}

/**
 * Adds a case's term hashes to the index; those already there stay as they are. One statement
 * whatever the count, with the hashes as the keys of one JSON object, which `json_each` turns
 * into rows on both engines: a report's few hundred terms as a multi-row insert would cost a
 * query builder pass, a statement compiled per row count (SQLite keeps compiled statements by
 * their text) and two bound parameters per row.
 */
export async function insertTerms(
  db: Kysely<DatabaseSchema>,
  caseId: string,
  hashes: readonly string[],
): Promise<void> {
  if (hashes.length === 0) return;
  const keys = JSON.stringify(Object.fromEntries(hashes.map((hash) => [hash, 0])));
  // `where true`: SQLite reads an upsert after `select … from` only when the select has a where.
  await sql`insert into case_title_terms (case_id, term_hash)
    select cast(${caseId} as text), key from json_each(${keys}) where true
    on conflict (case_id, term_hash) do nothing`.execute(db);
}

/** The key decrypted per database handle. */
const decrypted = new WeakMap<object, { keyCt: string; key: SearchKey }>();

/**
 * The current search key, made on first use. Instances racing to make it insert under the same
 * id; one insert wins and everyone reads that one. Its material never changes (rotation only
 * re-encrypts it under a new data key), so once read it is kept for the life of the handle:
 * taking a report or a message costs no extra query. Call it before a transaction, not inside one
 * (its first call reads through the store's own handle).
 */
export async function currentSearchKey(store: Store, keyring: Keyring): Promise<SearchKey> {
  const known = decrypted.get(store.db);
  if (known !== undefined) return known.key;
  const read = () =>
    store.db
      .selectFrom("search_keys")
      .select(["id", "key_ct"])
      .where("id", "=", SEARCH_KEY_ID)
      .executeTakeFirst();
  let row = await read();
  if (row === undefined) {
    const keyCt = encryptText(
      keyring,
      randomBytes(SEARCH_KEY_BYTES).toString("base64"),
      searchKeyAad(SEARCH_KEY_ID),
    );
    await store.db
      .insertInto("search_keys")
      .values({ id: SEARCH_KEY_ID, key_ct: keyCt, created_at: new Date().toISOString() })
      .onConflict((conflict) => conflict.column("id").doNothing())
      .execute();
    row = await read();
    if (row === undefined) throw new Error("the search key vanished as it was made");
  }
  await keyring.ensure([keyIdOf(row.key_ct)]);
  const key = Buffer.from(decryptText(keyring, row.key_ct, searchKeyAad(row.id)), "base64");
  if (key.length !== SEARCH_KEY_BYTES) throw new Error(`search key ${row.id} has the wrong length`);
  const searchKey: SearchKey = { id: row.id, key };
  decrypted.set(store.db, { keyCt: row.key_ct, key: searchKey });
  return searchKey;
}

/**
 * Indexes the report and conversation of every pending case (`search_index_version` null): a new
 * report, not indexed at intake; a case stored before this index held more than
 * titles (migration 2026121320) or before it existed (migration 2026112503). Run before every text
 * search and by the server at start; with nothing pending it costs one lookup in a partial index.
 * Safe to run from several instances at once and to interrupt: a case is marked done in the
 * transaction that adds its rows. A case whose texts cannot be read (a damaged ciphertext, which
 * `embargo audit` reports) is left pending rather than stopping every search. Returns the cases
 * indexed.
 *
 * Under the same key, rows are only added, so a message written (and indexed) while this runs
 * loses nothing. Under another key, the case's rows are replaced, which is only right if no
 * message came in since its texts were read: such a case is left for the next run.
 */
export async function indexPendingCases(
  store: Store,
  keyring: Keyring,
  options: { batchSize?: number; atMost?: number } = {},
): Promise<number> {
  const key = await currentSearchKey(store, keyring);
  const batchSize = options.batchSize ?? BACKFILL_BATCH;
  let indexed = 0;
  let after = "";
  for (;;) {
    // `atMost`: the job runner's share between searches; a search itself indexes everything left.
    if (options.atMost !== undefined && indexed >= options.atMost) return indexed;
    // The partial index cases_search_pending holds exactly these ids.
    const rows = await store.db
      .selectFrom("cases")
      .select(["id", "report_ct", "event_count"])
      .where("search_index_version", "is", null)
      .where("id", ">", after)
      .orderBy("id")
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return indexed;
    after = rows.at(-1)?.id ?? after;
    const terms = await caseTerms(store, keyring, key, rows);
    if (terms.size === 0) continue;
    const seen = new Map(rows.map((row) => [row.id, row.event_count]));
    indexed += await store.transaction(async (trx) => {
      // Locked, in one order for every instance (PostgreSQL; SQLite's write lock is the
      // database's): no message is appended to these cases until the commit.
      const now = await trx
        .selectFrom("cases")
        .select(["id", "search_key_id", "search_index_version", "event_count"])
        .where("id", "in", [...terms.keys()])
        .orderBy("id")
        .$if(store.dialect === "postgres", (query) => query.forUpdate())
        .execute();
      let done = 0;
      for (const current of now) {
        const rekey = current.search_key_id !== null && current.search_key_id !== key.id;
        if (current.search_index_version === SEARCH_INDEX_VERSION) continue;
        if (rekey && current.event_count !== seen.get(current.id)) continue;
        if (rekey) await trx.deleteFrom("case_title_terms").where("case_id", "=", current.id).execute();
        await insertTerms(trx, current.id, terms.get(current.id) ?? []);
        await trx
          .updateTable("cases")
          .set({ search_key_id: key.id, search_index_version: SEARCH_INDEX_VERSION })
          .where("id", "=", current.id)
          .execute();
        done += 1;
      }
      return done;
    });
  }
}

/**
 * The server at start: a case indexed under another search key than the current one is made
 * pending again (its rows are replaced), then every pending case is indexed.
 */
export async function backfillSearchIndex(
  store: Store,
  keyring: Keyring,
  options: { batchSize?: number } = {},
): Promise<number> {
  const key = await currentSearchKey(store, keyring);
  await store.db
    .updateTable("cases")
    .set({ search_index_version: null })
    .where("search_key_id", "is not", null)
    .where("search_key_id", "!=", key.id)
    .where("search_index_version", "is not", null)
    .execute();
  return indexPendingCases(store, keyring, options);
}

/** The term hashes of each case's report and conversation, by case; cases that cannot be read left out. */
async function caseTerms(
  store: Store,
  keyring: Keyring,
  key: SearchKey,
  rows: readonly { id: string; report_ct: string }[],
): Promise<Map<string, string[]>> {
  const events = await store.db
    .selectFrom("case_events")
    .select(["case_id", "seq", "type", "payload_ct"])
    .where(
      "case_id",
      "in",
      rows.map((row) => row.id),
    )
    .where("type", "in", [...CONVERSATION_EVENTS])
    .execute();
  await keyring.ensure([
    ...rows.map((row) => keyIdOf(row.report_ct)),
    ...events.map((event) => keyIdOf(event.payload_ct)),
  ]);
  const terms = new Map<string, string[]>();
  for (const row of rows) {
    try {
      const report = reportSchema.parse(JSON.parse(decryptText(keyring, row.report_ct, aad.report(row.id))));
      const messages = events
        .filter((event) => event.case_id === row.id)
        .map((event) => ({
          type: event.type,
          payload: JSON.parse(
            decryptText(keyring, event.payload_ct, aad.event(row.id, event.seq)),
          ) as unknown,
        }));
      terms.set(row.id, [...reportTerms(key, report), ...eventTerms(key, row.id, messages)]);
    } catch {
      // Left pending; nothing of its text goes anywhere.
    }
  }
  return terms;
}

/** The title inside a case's encrypted report. */
export function reportTitle(keyring: KeySource, caseId: string, reportCt: string): string {
  const report: unknown = JSON.parse(decryptText(keyring, reportCt, aad.report(caseId)));
  if (
    typeof report === "object" &&
    report !== null &&
    "title" in report &&
    typeof report.title === "string"
  ) {
    return report.title;
  }
  throw new Error(`case ${caseId}: the stored report has no title`);
}
