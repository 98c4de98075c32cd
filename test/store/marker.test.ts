import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReporterMessage } from "../../src/commands/reporter-message.js";
import { submitReport } from "../../src/commands/submit-report.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { findCaseForReporter } from "../../src/store/cases.js";
import { databases, type TestStore } from "../support/databases.js";
import { buildReport, openReadyStore } from "../support/reports.js";

/**
 * Plaintext never reaches the database: a report whose every sensitive part carries a unique
 * marker is stored, then the raw storage is searched for it. A second marker in the program
 * slug (metadata, stored in the clear on purpose) proves the search finds what is there.
 */
describe.each(databases)("encryption at rest on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  const marker = `zq${randomBytes(10).toString("hex")}`;
  const control = `ctl${randomBytes(10).toString("hex")}`;

  async function submitMarkedReport(): Promise<void> {
    const { caseId, reporterToken } = await submitReport(
      { store, keyring },
      buildReport({
        program: `acme-${control}`,
        title: `Title ${marker}`,
        fields: { description: `Steps ${marker}`, [`field-${marker}`]: "answer" },
        credit: { mode: "name", name: `Ada ${marker}`, link: `https://${marker}.example` },
        contact: {
          email: `${marker}@example.org`,
          openpgpKey: `-----BEGIN PGP PUBLIC KEY BLOCK-----\n${marker}\n`,
        },
        attachments: [
          {
            filename: `${marker}.txt`,
            contentType: "text/plain",
            data: Buffer.from(`file content ${marker}`),
          },
        ],
      }),
    );
    await addReporterMessage(
      { store, keyring },
      caseId,
      `Message ${marker}`,
      [{ filename: `reply-${marker}.log`, contentType: "text/plain", data: Buffer.from(`more ${marker}`) }],
      new Date(),
    );
    // The marker is really in what was stored: it comes back decrypted.
    expect(JSON.stringify(await findCaseForReporter(store, keyring, reporterToken))).toContain(marker);
  }

  it("keeps every sensitive field out of the stored bytes", async () => {
    await submitMarkedReport();
    if (store.dialect === "sqlite") {
      // Read while the store is open and before any checkpoint: the WAL holds the newest pages.
      const files = [store.location, `${store.location}-wal`, `${store.location}-shm`];
      expect(files.every((file) => existsSync(file))).toBe(true);
      const bytes = files.map((file) => readFileSync(file));
      expect(Buffer.concat(bytes).includes(control)).toBe(true);
      for (const [index, content] of bytes.entries()) {
        expect(content.includes(marker), `${files[index]} contains the marker`).toBe(false);
      }
      return;
    }
    const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = ${store.location}
        and data_type in ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb')`.execute(
      store.db,
    );
    expect(columns.rows.length).toBeGreaterThan(10);
    const found = async (text: string): Promise<string[]> => {
      const hits: string[] = [];
      for (const { table_name: table, column_name: column, data_type: type } of columns.rows) {
        const ref = sql.ref(column);
        const condition =
          type === "bytea"
            ? sql`position(convert_to(${text}, 'UTF8') in ${ref}) > 0`
            : sql`position(${text} in ${ref}::text) > 0`;
        const result = await sql<{ n: number }>`
          select count(*)::int as n from ${sql.table(`${store.location}.${table}`)} where ${condition}`.execute(
          store.db,
        );
        if ((result.rows[0]?.n ?? 0) > 0) hits.push(`${table}.${column}`);
      }
      return hits;
    };
    // The program's slug is metadata, in clear where cases are counted and stored.
    expect((await found(control)).sort()).toEqual(["case_counters.program", "cases.program"]);
    expect(await found(marker)).toEqual([]);
  });
});
