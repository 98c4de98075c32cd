import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReporterMessage } from "../../src/commands/reporter-message.js";
import { submitReport } from "../../src/commands/submit-report.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { describeTables } from "../../src/store/backup/tables.js";
import { findCaseForReporter, getAttachment } from "../../src/store/cases.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import type { Store } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import { seedCases } from "../support/bulk-cases.js";
import { runEmbargo } from "../support/cli.js";
import { databases, POSTGRES_TEST_URL, type TestStore } from "../support/databases.js";
import { buildReport, openReadyStore } from "../support/reports.js";

/**
 * `embargo store copy --from … --to postgres://…`: an installation built through the real store
 * functions (reports with attachments, messages, a case pointing at another) moved into a fresh
 * PostgreSQL schema, checked there; and what a copy must refuse, leaving the target as it was.
 */
const postgres = databases.find((database) => database.name === "postgres");

/** The URL of a store's database: its file, or its schema through the connection's search_path. */
function urlOf(store: TestStore, password?: string): string {
  if (store.dialect === "sqlite") return `sqlite:${store.location}`;
  const url = new URL(POSTGRES_TEST_URL);
  // The test server trusts local connections: a password is sent, never checked, and must never show.
  if (password !== undefined && url.password === "") url.password = password;
  url.searchParams.set("options", `-c search_path=${store.location}`);
  return url.toString();
}

/** Every row of every table, in key order, bytes as base64: what must be the same on both sides. */
async function dump(store: Store): Promise<Record<string, string[]>> {
  const tables = await describeTables(store.db, store.dialect);
  const result: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table.name)}`.execute(store.db);
    const lines = rows.rows.map((row) =>
      JSON.stringify(
        table.columns.map((column) => {
          const value = row[column];
          return Buffer.isBuffer(value) ? { base64: value.toString("base64") } : value;
        }),
      ),
    );
    // Sorted here: the engines' collations order text keys differently.
    result[table.name] = lines.sort();
  }
  return result;
}

async function rowCount(store: Store, table: string): Promise<number> {
  const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(
    store.db,
  );
  return Number(result.rows[0]?.n ?? 0);
}

describe.skipIf(postgres === undefined)("embargo store copy", () => {
  describe.each(databases)("from $name to PostgreSQL", (database) => {
    let source: TestStore;
    let target: TestStore;
    let keyring: Keyring;
    let masterKey: Buffer;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let tokens: string[];
    const password = `pw-${randomBytes(6).toString("hex")}`;
    const copy = (key: Buffer = masterKey) =>
      runEmbargo(["store", "copy", "--from", urlOf(source), "--to", urlOf(target, password)], {
        env: { ...env, EMBARGO_SECRET_KEY: key.toString("base64") },
      });

    beforeEach(async () => {
      ({ store: source, keyring, masterKey } = await openReadyStore(database));
      target = await postgres!.open();
      dir = mkdtempSync(join(tmpdir(), "embargo-copy-"));
      env = { EMBARGO_DATABASE_URL: urlOf(source), EMBARGO_DATA_DIR: join(dir, "data") };
      const deps = { store: source, keyring };
      tokens = [];
      const ids: string[] = [];
      for (let n = 0; n < 3; n += 1) {
        const filed = await submitReport(deps, buildReport({ title: `Copy probe ${n}` }));
        tokens.push(filed.reporterToken);
        ids.push(filed.caseId);
      }
      await addReporterMessage(deps, ids[0]!, "More detail", [], new Date("2026-11-26T10:00:00.000Z"));
      // A case referencing another of its table: filled in once the whole table is in.
      await source.db.updateTable("cases").set({ duplicate_of: ids[2]! }).where("id", "=", ids[1]!).execute();
    });
    afterEach(async () => {
      await source.close();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("copies every row exactly, verifies the chains there, and a case reads back the same", async () => {
      let now = 0;
      const result = await runEmbargo(
        ["store", "copy", "--from", urlOf(source), "--to", urlOf(target, password)],
        {
          env: { ...env, EMBARGO_SECRET_KEY: masterKey.toString("base64") },
          stderrIsTTY: false,
          clock: () => (now += 1_000),
        },
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/\n {2}cases +3\n/);
      expect(result.stdout).toMatch(/\n {2}attachments +6\n/);
      expect(result.stdout).toContain("chains: 3 cases verified (10 events)");
      expect(result.stdout).toMatch(/rows: \d+ in \d+ tables, the same on both sides/);
      expect(result.stderr).toMatch(/store copy: \d+\/\d+ rows/);
      expect(result.stderr).toContain("store copy (verifying chains): 3/3 cases");
      expect(`${result.stdout}${result.stderr}`).not.toContain(password);

      expect(await dump(target)).toEqual(await dump(source));
      const audit = await runEmbargo(["audit", "verify"], {
        env: {
          ...env,
          EMBARGO_DATABASE_URL: urlOf(target),
          EMBARGO_SECRET_KEY: masterKey.toString("base64"),
        },
      });
      expect(audit.stdout).toBe("ok: 3 cases, 10 events\n");
      const targetKeyring = await loadKeyring(target, masterKey);
      for (const token of tokens) {
        const original = await findCaseForReporter(source, keyring, token);
        const copied = await findCaseForReporter(target, targetKeyring, token);
        expect(copied).toEqual(original);
        for (const file of original!.attachments) {
          const bytes = await getAttachment(target, targetKeyring, original!.id, file.id);
          expect(bytes).toEqual(await getAttachment(source, keyring, original!.id, file.id));
        }
      }
    });

    it("refuses a target that already holds Embargo data, and leaves it as it was", async () => {
      await migrate(target);
      const other = await loadKeyring(target, randomBytes(32));
      await submitReport({ store: target, keyring: other }, buildReport({ attachments: [] }));
      const before = await dump(target);
      const result = await copy();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("the target database is not empty (its cases table holds rows)");
      expect(result.stdout).toBe("");
      expect(await dump(target)).toEqual(before);
    });

    it("fails clearly with another master key, before touching the target", async () => {
      const result = await copy(randomBytes(32));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        "EMBARGO_SECRET_KEY does not match the key that encrypted this database",
      );
      expect(await describeTables(target.db, target.dialect)).toEqual([]);
    });

    it("copies nothing from a source whose audit trail is broken, and exits non-zero", async () => {
      await source.db
        .updateTable("case_events")
        .set({ hash: "f".repeat(64) })
        .where("case_id", "=", (await findCaseForReporter(source, keyring, tokens[0]!))!.id)
        .where("seq", "=", 2)
        .execute();
      const result = await copy();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("the copy's audit trail does not verify");
      expect(result.stderr).toContain("nothing was copied");
      expect(await rowCount(target, "cases")).toBe(0);
      expect(await rowCount(target, "encryption_keys")).toBe(0);
      // The target can take the copy once the source is sound again: a failed copy leaves no rows.
    });

    it("refuses URLs it cannot copy between, and never shows a password", async () => {
      const wrong = await runEmbargo(
        ["store", "copy", "--from", urlOf(source), "--to", `mysql://root:${password}@db/embargo`],
        { env: { ...env, EMBARGO_SECRET_KEY: masterKey.toString("base64") } },
      );
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("--to takes a postgres://… URL");
      expect(wrong.stderr).not.toContain(password);
      const missing = await runEmbargo(
        ["store", "copy", "--from", `sqlite:${join(dir, "nowhere.db")}`, "--to", urlOf(target)],
        { env: { ...env, EMBARGO_SECRET_KEY: masterKey.toString("base64") } },
      );
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("there is no database at");
    });
  });
});

/** The suite's size; bench/store-copy.ts moves the 10,000 cases (its audit check takes ~12 s). */
const CASES = 1_000;

describe.skipIf(postgres === undefined)("embargo store copy of a larger installation", () => {
  const sqlite = databases.find((database) => database.name === "sqlite")!;
  it(`moves ${CASES} cases to PostgreSQL, where \`embargo audit verify\` passes`, async () => {
    const { store: source, keyring, masterKey } = await openReadyStore(sqlite);
    const target = await postgres!.open();
    try {
      // Setup, not what is tested: no fsync per commit while loading (the server keeps FULL).
      await sql`pragma synchronous = off`.execute(source.db);
      const cases = await seedCases(source, keyring, CASES);
      const env = { EMBARGO_SECRET_KEY: masterKey.toString("base64"), EMBARGO_DATA_DIR: "/nonexistent" };
      const result = await runEmbargo(["store", "copy", "--from", urlOf(source), "--to", urlOf(target)], {
        env,
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`\\n {2}cases +${cases}\\n`));
      expect(result.stdout).toMatch(new RegExp(`\\n {2}case_events +${cases}\\n`));
      expect(result.stdout).toContain(`chains: ${cases} cases verified (${cases} events)`);
      const audit = await runEmbargo(["audit", "verify"], {
        env: { ...env, EMBARGO_DATABASE_URL: urlOf(target) },
      });
      expect(audit.stdout).toBe(`ok: ${cases} cases, ${cases} events\n`);
    } finally {
      await source.close();
      await target.close();
    }
  });
});
