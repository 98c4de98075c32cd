import { z } from "zod";

/**
 * What a backup holds once decrypted and gunzipped (src/crypto/backup-stream.ts): JSON lines, the
 * same whichever engine wrote them, so a backup of SQLite restores into PostgreSQL and back.
 *
 *   {"embargoBackup":1,"createdAt":…,"dialect":"sqlite","migration":…,"tables":[…],"masterKey":…}
 *   {"table":"encryption_keys"}
 *   ["k1","v1.master.…","2026-11-25T10:00:00.000Z",null]     one array per row, in `columns` order
 *   {"table":"cases"}
 *   …
 *   {"end":true,"rows":1234,"sha256":"…"}                   sha256 of every line before it
 *
 * Tables come in an order where a row's references come before it (tables.ts). A blob is
 * {"base64":"…"}; every other value is a string, a number or null, as both engines store them.
 */
export const BACKUP_FORMAT = 1;

export const MASTER_KEY_NOTE =
  "The master key is not in this backup. Restoring it needs the master key of the installation " +
  "that made it (EMBARGO_SECRET_KEY, or master.key in its data folder): keep that key apart from " +
  "the backups, as safely.";

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const BackupTableSchema = z.object({
  name: z.string().regex(NAME),
  columns: z.array(z.string().regex(NAME)).min(1),
  rows: z.number().int().nonnegative(),
});
export type BackupTable = z.infer<typeof BackupTableSchema>;

export const BackupHeaderSchema = z.object({
  embargoBackup: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  dialect: z.enum(["sqlite", "postgres"]),
  /** The last migration the database had run: a restore brings the target to the same level. */
  migration: z.string().min(1),
  tables: z.array(BackupTableSchema),
  masterKey: z.string(),
});
export type BackupHeader = z.infer<typeof BackupHeaderSchema>;

export const TableStartSchema = z.object({ table: z.string().regex(NAME) }).strict();

export const TrailerSchema = z
  .object({
    end: z.literal(true),
    rows: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type BackupTrailer = z.infer<typeof TrailerSchema>;

const BlobSchema = z.object({ base64: z.base64() }).strict();
export const RowSchema = z.array(z.union([z.string(), z.number(), z.null(), BlobSchema]));

/** A value as a backup line holds it. */
export type EncodedValue = string | number | null | { base64: string };
/** A value as the drivers take and give it. */
export type ColumnValue = string | number | null | Buffer;

/** Encodes what a driver returned; anything else fails the backup rather than mangling it. */
export function encodeValue(value: unknown, table: string, column: string): EncodedValue {
  if (value === null || typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "bigint" && Number.isSafeInteger(Number(value))) return Number(value);
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString("base64") };
  throw new Error(`cannot back up ${table}.${column}: a value of type ${typeof value}`);
}

export function decodeValue(value: EncodedValue): ColumnValue {
  return value !== null && typeof value === "object" ? Buffer.from(value.base64, "base64") : value;
}
