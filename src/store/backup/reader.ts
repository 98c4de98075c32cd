import { createHash, type Hash } from "node:crypto";
import type { z } from "zod";
import {
  BACKUP_FORMAT,
  type BackupHeader,
  BackupHeaderSchema,
  type BackupTable,
  type ColumnValue,
  decodeValue,
  RowSchema,
  TableStartSchema,
  TrailerSchema,
} from "./format.js";

export type BackupItem =
  | { kind: "header"; header: BackupHeader }
  | { kind: "table"; table: BackupTable }
  | { kind: "row"; table: BackupTable; values: ColumnValue[] }
  | { kind: "end"; rows: number };

/** The decrypted lines say something other than what `embargo backup` writes. */
export class BackupContentError extends Error {
  constructor(message: string) {
    super(`the backup's contents are not valid: ${message}`);
    this.name = "BackupContentError";
  }
}

/**
 * Reads a backup's lines in order (format.ts) and checks them as it goes: the header first, then
 * each table it lists, in its order, with the number of rows it announced, then the trailer,
 * whose SHA-256 must be that of every line before it. Nothing may follow the trailer, and
 * `finish` fails when the trailer never came.
 */
export class BackupReader {
  #header: BackupHeader | undefined;
  #table: BackupTable | undefined;
  #tableIndex = -1;
  #tableRows = 0;
  #rows = 0;
  #ended = false;
  readonly #hash: Hash = createHash("sha256");

  get header(): BackupHeader | undefined {
    return this.#header;
  }

  read(line: string): BackupItem {
    if (this.#ended) throw new BackupContentError("lines follow its end");
    const value = parse(line);
    const header = this.#header;
    if (header === undefined) {
      this.#hash.update(`${line}\n`);
      this.#header = check(BackupHeaderSchema, value, "its header");
      if (this.#header.embargoBackup > BACKUP_FORMAT) {
        throw new Error(
          `this backup is in format ${this.#header.embargoBackup}, newer than this Embargo reads ` +
            `(${BACKUP_FORMAT}): restore it with the Embargo version that made it, or a later one`,
        );
      }
      return { kind: "header", header: this.#header };
    }
    if (Array.isArray(value)) {
      this.#hash.update(`${line}\n`);
      return this.#row(value);
    }
    if (value !== null && typeof value === "object" && "end" in value) {
      const trailer = check(TrailerSchema, value, "its trailer");
      this.#closeTable();
      if (this.#tableIndex !== header.tables.length - 1)
        throw new BackupContentError(`it ends before table ${header.tables[this.#tableIndex + 1]?.name}`);
      if (trailer.rows !== this.#rows)
        throw new BackupContentError(`its trailer counts ${trailer.rows} rows, it holds ${this.#rows}`);
      if (trailer.sha256 !== this.#hash.digest("hex"))
        throw new BackupContentError("its checksum does not match its contents");
      this.#ended = true;
      return { kind: "end", rows: this.#rows };
    }
    this.#hash.update(`${line}\n`);
    const start = check(TableStartSchema, value, "a table's start");
    this.#closeTable();
    const expected = header.tables[this.#tableIndex + 1];
    if (expected?.name !== start.table)
      throw new BackupContentError(`table ${start.table} comes where ${expected?.name ?? "the end"} should`);
    this.#tableIndex += 1;
    this.#table = expected;
    this.#tableRows = 0;
    return { kind: "table", table: expected };
  }

  /** At the end of the file: it must have ended with its trailer. */
  finish(): void {
    if (this.#header === undefined) throw new BackupContentError("it is empty");
    if (!this.#ended) throw new BackupContentError("it ends without its trailer");
  }

  #row(value: unknown[]): BackupItem {
    const table = this.#table;
    if (table === undefined) throw new BackupContentError("a row comes before any table");
    const values = check(RowSchema, value, `a row of ${table.name}`);
    if (values.length !== table.columns.length)
      throw new BackupContentError(
        `a row of ${table.name} has ${values.length} values for ${table.columns.length} columns`,
      );
    this.#tableRows += 1;
    this.#rows += 1;
    if (this.#tableRows > table.rows)
      throw new BackupContentError(`table ${table.name} holds more than the ${table.rows} rows announced`);
    return { kind: "row", table, values: values.map(decodeValue) };
  }

  #closeTable(): void {
    const table = this.#table;
    if (table !== undefined && this.#tableRows !== table.rows)
      throw new BackupContentError(
        `table ${table.name} holds ${this.#tableRows} rows, ${table.rows} announced`,
      );
  }
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new BackupContentError("a line is not JSON");
  }
}

function check<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new BackupContentError(
      `${what}: ${issue?.path.join(".") || "value"} ${issue?.message ?? ""}`.trim(),
    );
  }
  return result.data;
}
