import { sql, type Transaction } from "kysely";
import { isCaseKeyId } from "../crypto/case-key-ids.js";
import {
  decryptBytes,
  decryptText,
  encryptBytes,
  encryptText,
  type KeySource,
  keyIdOf,
} from "../crypto/envelope.js";
import { caseKeyAad } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import { advisoryAad } from "./advisories.js";
import { problemAad } from "./problems.js";
import { rewardAad } from "./rewards.js";
import type { DatabaseSchema } from "./schema.js";
import { searchKeyAad } from "./search-index.js";

/**
 * Every encrypted column of every table, with how to rebuild its AAD from the row, so key
 * rotation (src/crypto/rotate.ts) can re-encrypt all of it. A new encrypted column must be added
 * here; a test compares this list with the `_ct` / blob columns the migrations create.
 */
export interface Cursor {
  id: string;
  seq: number;
}

export interface EncryptedTable {
  readonly table: keyof DatabaseSchema;
  readonly columns: readonly string[];
  /** Rows per transaction; small for blobs. */
  readonly batchSize: number;
  /**
   * Re-encrypts, under the keyring's active key, the ciphertexts of up to `limit` rows after
   * `after` (key order). `lockRows` (PostgreSQL) locks them so a concurrent writer's update is
   * not overwritten by a re-encryption of the old value. `last` is undefined at the end;
   * `rows` counts the rows read (for progress), `reencrypted` the ciphertexts changed.
   */
  reencryptBatch(
    trx: Transaction<DatabaseSchema>,
    keyring: KeySource,
    after: Cursor | undefined,
    limit: number,
    lockRows: boolean,
  ): Promise<{ last: Cursor | undefined; rows: number; reencrypted: number }>;
}

/**
 * The value re-encrypted under the active key, or undefined when it already is, or when it is
 * under a case's own key: rotation re-wraps that key (`case_keys`) instead.
 */
export function resealText(keyring: KeySource, value: string, where: string): string | undefined {
  const keyId = keyIdOf(value);
  if (keyId === keyring.active.id || isCaseKeyId(keyId)) return undefined;
  return encryptText(keyring, decryptText(keyring, value, where), where);
}

function resealBytes(keyring: KeySource, value: Buffer, where: string): Buffer | undefined {
  const keyId = keyIdOf(value);
  if (keyId === keyring.active.id || isCaseKeyId(keyId)) return undefined;
  return encryptBytes(keyring, decryptBytes(keyring, value, where), where);
}

/**
 * A table with one encrypted text column and a text key (users, setup tokens, search keys): the
 * rotation batch is the same for each, only the names and the AAD differ.
 */
export function textColumnTable(spec: {
  table: keyof DatabaseSchema;
  key: string;
  column: string;
  batchSize: number;
  aadOf(key: string): string;
}): EncryptedTable {
  const table = sql.table(spec.table);
  const key = sql.ref(spec.key);
  const column = sql.ref(spec.column);
  return {
    table: spec.table,
    columns: [spec.column],
    batchSize: spec.batchSize,
    async reencryptBatch(trx, keyring, after, limit, lockRows) {
      const lock = lockRows ? sql` for update` : sql``;
      const { rows } = await sql<{ row_key: string; row_value: string | null }>`
        select ${key} as row_key, ${column} as row_value from ${table}
        where ${key} > ${after?.id ?? ""} order by ${key} limit ${limit}${lock}`.execute(trx);
      let reencrypted = 0;
      for (const row of rows) {
        if (row.row_value === null) continue;
        const sealed = resealText(keyring, row.row_value, spec.aadOf(row.row_key));
        if (sealed === undefined) continue;
        await sql`update ${table} set ${column} = ${sealed} where ${key} = ${row.row_key}`.execute(trx);
        reencrypted += 1;
      }
      const last = rows.length < limit ? undefined : rows.at(-1);
      return {
        last: last === undefined ? undefined : { id: last.row_key, seq: 0 },
        rows: rows.length,
        reencrypted,
      };
    },
  };
}

const countDefined = (...values: unknown[]): number => values.filter((value) => value !== undefined).length;

const cases: EncryptedTable = {
  table: "cases",
  columns: ["report_ct", "contact_ct"],
  batchSize: 200,
  async reencryptBatch(trx, keyring, after, limit, lockRows) {
    const rows = await trx
      .selectFrom("cases")
      .select(["id", "report_ct", "contact_ct"])
      .where("id", ">", after?.id ?? "")
      .orderBy("id")
      .limit(limit)
      .$if(lockRows, (query) => query.forUpdate())
      .execute();
    let reencrypted = 0;
    for (const row of rows) {
      const report = resealText(keyring, row.report_ct, aad.report(row.id));
      const contact =
        row.contact_ct === null ? undefined : resealText(keyring, row.contact_ct, aad.contact(row.id));
      if (report === undefined && contact === undefined) continue;
      await trx
        .updateTable("cases")
        .set({ report_ct: report ?? row.report_ct, contact_ct: contact ?? row.contact_ct })
        .where("id", "=", row.id)
        .execute();
      reencrypted += countDefined(report, contact);
    }
    const last = rows.length < limit ? undefined : rows.at(-1);
    return { last: last === undefined ? undefined : { id: last.id, seq: 0 }, rows: rows.length, reencrypted };
  },
};

const caseEvents: EncryptedTable = {
  table: "case_events",
  columns: ["payload_ct"],
  batchSize: 500,
  async reencryptBatch(trx, keyring, after, limit, lockRows) {
    const from = after ?? { id: "", seq: 0 };
    const rows = await trx
      .selectFrom("case_events")
      .select(["case_id", "seq", "payload_ct"])
      .where((eb) =>
        eb.or([eb("case_id", ">", from.id), eb.and([eb("case_id", "=", from.id), eb("seq", ">", from.seq)])]),
      )
      .orderBy("case_id")
      .orderBy("seq")
      .limit(limit)
      .$if(lockRows, (query) => query.forUpdate())
      .execute();
    let reencrypted = 0;
    for (const row of rows) {
      const payload = resealText(keyring, row.payload_ct, aad.event(row.case_id, row.seq));
      if (payload === undefined) continue;
      // Only the ciphertext changes: the chain hashes the plaintext's digest, so it stays valid.
      await trx
        .updateTable("case_events")
        .set({ payload_ct: payload })
        .where("case_id", "=", row.case_id)
        .where("seq", "=", row.seq)
        .execute();
      reencrypted += 1;
    }
    const last = rows.length < limit ? undefined : rows.at(-1);
    return {
      last: last === undefined ? undefined : { id: last.case_id, seq: last.seq },
      rows: rows.length,
      reencrypted,
    };
  },
};

const attachments: EncryptedTable = {
  table: "attachments",
  columns: ["meta_ct", "data"],
  batchSize: 20,
  async reencryptBatch(trx, keyring, after, limit, lockRows) {
    const rows = await trx
      .selectFrom("attachments")
      .select(["id", "case_id", "meta_ct", "data"])
      .where("id", ">", after?.id ?? "")
      .orderBy("id")
      .limit(limit)
      .$if(lockRows, (query) => query.forUpdate())
      .execute();
    let reencrypted = 0;
    for (const row of rows) {
      const meta = resealText(keyring, row.meta_ct, aad.attachmentMeta(row.case_id, row.id));
      const data = resealBytes(keyring, row.data, aad.attachmentData(row.case_id, row.id));
      if (meta === undefined && data === undefined) continue;
      await trx
        .updateTable("attachments")
        .set({ meta_ct: meta ?? row.meta_ct, data: data ?? row.data })
        .where("id", "=", row.id)
        .execute();
      reencrypted += countDefined(meta, data);
    }
    const last = rows.length < limit ? undefined : rows.at(-1);
    return { last: last === undefined ? undefined : { id: last.id, seq: 0 }, rows: rows.length, reencrypted };
  },
};

const inboundMail: EncryptedTable = {
  table: "inbound_mail",
  columns: ["raw_ct"],
  batchSize: 20,
  async reencryptBatch(trx, keyring, after, limit, lockRows) {
    const rows = await trx
      .selectFrom("inbound_mail")
      .select(["id", "raw_ct"])
      .where("id", ">", after?.id ?? "")
      .orderBy("id")
      .limit(limit)
      .$if(lockRows, (query) => query.forUpdate())
      .execute();
    let reencrypted = 0;
    for (const row of rows) {
      const raw = resealBytes(keyring, row.raw_ct, aad.inboundMail(row.id));
      if (raw === undefined) continue;
      await trx.updateTable("inbound_mail").set({ raw_ct: raw }).where("id", "=", row.id).execute();
      reencrypted += 1;
    }
    const last = rows.length < limit ? undefined : rows.at(-1);
    return { last: last === undefined ? undefined : { id: last.id, seq: 0 }, rows: rows.length, reencrypted };
  },
};

export const ENCRYPTED_TABLES: readonly EncryptedTable[] = [
  // Before the cases' own data: a case key is re-wrapped, its data stays as it is.
  textColumnTable({ table: "case_keys", key: "key_id", column: "key_ct", batchSize: 500, aadOf: caseKeyAad }),
  cases,
  caseEvents,
  attachments,
  textColumnTable({ table: "search_keys", key: "id", column: "key_ct", batchSize: 100, aadOf: searchKeyAad }),
  textColumnTable({ table: "outbox", key: "id", column: "message_ct", batchSize: 200, aadOf: aad.outbox }),
  textColumnTable({
    table: "program_keys",
    key: "fingerprint",
    column: "private_key_ct",
    batchSize: 100,
    aadOf: aad.programKey,
  }),
  inboundMail,
  textColumnTable({ table: "problems", key: "id", column: "content_ct", batchSize: 200, aadOf: problemAad }),
  textColumnTable({
    table: "advisories",
    key: "id",
    column: "content_ct",
    batchSize: 200,
    aadOf: advisoryAad,
  }),
  textColumnTable({
    table: "case_rewards",
    key: "case_id",
    column: "amount_ct",
    batchSize: 200,
    aadOf: rewardAad,
  }),
];
