import { createHmac, randomBytes } from "node:crypto";
import { decryptText, encryptText, type KeySource, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import type { Store } from "./database.js";

/**
 * A blind index over encrypted case titles, so the inbox can find "every case whose title has
 * these words" without decrypting every title. Each distinct normalised word of a title is
 * stored as `HMAC-SHA256(searchKey, word)`, hex, truncated to 32 characters (128 bits), in
 * `case_title_terms`; a search hashes its words the same way and matches hashes.
 *
 * The search key is its own random 32-byte key, stored in `search_keys` encrypted under the data
 * keys (like any other ciphertext), rather than derived from a data key: it survives data key
 * rotation unchanged (`keys rotate` only re-encrypts it, so the index stays valid), it does not
 * depend on an old data key being kept forever, and it has an id, so a new search key can one day
 * be introduced and cases re-indexed under it (`cases.search_key_id` says which key indexed
 * each case; `backfillSearchIndex` redoes any case not indexed with the current key).
 *
 * What the index reveals to someone holding the database but not the keys: how many distinct
 * words a title has, and which cases share a word (equal hashes), not the words themselves.
 */
export const SEARCH_KEY_ID = "s1";
const SEARCH_KEY_BYTES = 32;
const TERM_HASH_LENGTH = 32;
/** A title yields at most this many terms, each at most this many characters. */
const MAX_TERMS = 100;
const MAX_WORD_LENGTH = 64;
const BACKFILL_BATCH = 200;

export const searchKeyAad = (id: string): string => `search-key:${id}`;

export interface SearchKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The words of a text as the index sees them: lower case, accents removed (NFKD, marks dropped),
 * split on anything that is not a letter or digit, distinct, in first-seen order.
 */
export function titleWords(text: string): string[] {
  const words = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "")
    .map((word) => [...word].slice(0, MAX_WORD_LENGTH).join(""));
  return [...new Set(words)].slice(0, MAX_TERMS);
}

export function termHash(key: SearchKey, word: string): string {
  return createHmac("sha256", key.key).update(word, "utf8").digest("hex").slice(0, TERM_HASH_LENGTH);
}

/** The term hashes of a title (to store) or of a search (to match): the same function. */
export function termHashes(key: SearchKey, text: string): string[] {
  return [...new Set(titleWords(text).map((word) => termHash(key, word)))];
}

/** The key decrypted per database handle. */
const decrypted = new WeakMap<object, { keyCt: string; key: SearchKey }>();

/**
 * The current search key, made on first use. Instances racing to make it insert under the same
 * id; one insert wins and everyone reads that one. Its material never changes (rotation only
 * re-encrypts it under a new data key), so once read it is kept for the life of the handle:
 * taking a report costs no extra query.
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
 * Indexes the title of every case not indexed under the current search key: cases stored before
 * the index existed (migration 2026112503) or indexed under an older key. Run by the server at
 * start; safe to run from several instances at once and to interrupt. Returns the cases indexed.
 */
export async function backfillSearchIndex(
  store: Store,
  keyring: Keyring,
  options: { batchSize?: number } = {},
): Promise<number> {
  const key = await currentSearchKey(store, keyring);
  const batchSize = options.batchSize ?? BACKFILL_BATCH;
  let indexed = 0;
  let after = "";
  for (;;) {
    const rows = await store.db
      .selectFrom("cases")
      .select(["id", "report_ct"])
      .where("id", ">", after)
      .where((eb) => eb.or([eb("search_key_id", "is", null), eb("search_key_id", "!=", key.id)]))
      .orderBy("id")
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return indexed;
    await keyring.ensure(rows.map((row) => keyIdOf(row.report_ct)));
    const terms = rows.flatMap((row) =>
      termHashes(key, reportTitle(keyring, row.id, row.report_ct)).map((hash) => ({
        case_id: row.id,
        term_hash: hash,
      })),
    );
    const ids = rows.map((row) => row.id);
    await store.transaction(async (trx) => {
      await trx.deleteFrom("case_title_terms").where("case_id", "in", ids).execute();
      for (let start = 0; start < terms.length; start += 1000) {
        await trx
          .insertInto("case_title_terms")
          .values(terms.slice(start, start + 1000))
          .onConflict((conflict) => conflict.columns(["case_id", "term_hash"]).doNothing())
          .execute();
      }
      await trx.updateTable("cases").set({ search_key_id: key.id }).where("id", "in", ids).execute();
    });
    indexed += rows.length;
    after = rows.at(-1)?.id ?? after;
  }
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
