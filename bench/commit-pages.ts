import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { submitReport } from "../src/commands/submit-report.js";
import { encryptText, type KeySource } from "../src/crypto/envelope.js";
import { aad } from "../src/store/aad.js";
import { loadKeyring } from "../src/store/data-keys.js";
import { openDatabase } from "../src/store/database.js";
import { randomId } from "../src/store/ids.js";
import { migrate } from "../src/store/migrate.js";
import {
  codeDescription,
  formatNumber,
  formatTable,
  machineDescription,
  progress,
  withCleanup,
} from "./support.js";

/**
 * `npm run bench -- commit-pages`
 *
 * Issue 17: what a report costs the disk on SQLite. Every commit appends each page it changed to
 * the WAL (4 KiB each, checksummed, later copied into the database by a checkpoint), so the pages
 * a report changes are most of what its commit costs the event loop. Files 3,000 reports through
 * `submitReport` (the intake's own transaction: the case, its keys, events and timer) so the
 * b-trees have some depth, then 1,200 more with automatic checkpoints off, and reads how many
 * pages the WAL took: with one report per commit, and with 12 per commit (as the group commit
 * gathers them under load). The baseline, the same way: the intake benchmark's bare insert of one
 * encrypted row per report. Counts, not timings: the same on a busy machine.
 */
export const description =
  "SQLite pages written per report (WAL frames), 1 and 12 reports per commit, vs a bare insert";

const WARM = 3_000;
const MEASURED = 1_200;
const PER_COMMIT = [1, 12] as const;

const REPORT = {
  program: "kafe",
  source: "web" as const,
  assetId: null,
  title: "Path traversal in kafe deploy lets a crafted archive write outside the release directory",
  fields: { "location-impact": "x".repeat(1200), steps: "y".repeat(1200) },
  credit: { mode: "anonymous" as const },
  contact: { email: "jane@researcher.example" },
  attachments: [],
  acknowledgeBy: null,
};

export async function run(): Promise<void> {
  console.log(`machine: ${machineDescription()}`);
  console.log(`code: ${codeDescription()}`);
  console.log(`load: ${WARM} reports first, then ${MEASURED} measured, per way; 4 KiB pages`);
  const rows: string[][] = [];
  await withCleanup(async (defer) => {
    const dir = await mkdtemp(path.join(tmpdir(), "embargo-bench-pages-"));
    defer(() => rm(dir, { recursive: true, force: true }));
    for (const perCommit of PER_COMMIT) {
      progress(`commit-pages: ${perCommit} per commit`);
      const embargo = await embargoPages(path.join(dir, `embargo-${perCommit}.db`), perCommit);
      const baseline = baselinePages(path.join(dir, `baseline-${perCommit}.db`), perCommit);
      rows.push([
        `${perCommit} per commit`,
        formatNumber(baseline, 1),
        formatNumber(embargo, 1),
        `${formatNumber(embargo / baseline, 1)}×`,
        formatNumber((embargo * 4120) / 1024, 0),
      ]);
    }
  });
  console.log("");
  console.log(
    formatTable(
      ["way", "baseline pages/report", "embargo pages/report", "ratio", "embargo KiB/report"],
      rows,
    ),
  );
}

/** WAL frames per report for `submitReport`, `perCommit` reports sharing each commit. */
async function embargoPages(file: string, perCommit: number): Promise<number> {
  const store = await openDatabase(`sqlite:${file}`);
  try {
    await migrate(store);
    const keyring = await loadKeyring(store, randomBytes(32));
    const file = async (count: number) => {
      for (let done = 0; done < count; done += perCommit) {
        // Concurrent calls share one commit (the group commit), as concurrent requests do.
        await Promise.all(
          Array.from({ length: perCommit }, () =>
            submitReport({ store, keyring }, { ...REPORT, receivedAt: new Date() }),
          ),
        );
      }
    };
    await file(WARM);
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db);
    await sql`pragma wal_autocheckpoint = 0`.execute(store.db);
    await file(MEASURED);
    const result = await sql<{ log: number }>`pragma wal_checkpoint(PASSIVE)`.execute(store.db);
    return Number(result.rows[0]?.log) / MEASURED;
  } finally {
    await store.close();
  }
}

/** The same for the bare baseline: one encrypted row per report, Embargo's pragmas. */
function baselinePages(file: string, perCommit: number): number {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(`create table reports (id text primary key, program text not null, received_at text not null,
      report_ct text not null, contact_ct text)`);
    const insert = db.prepare<[string, string, string, string, string]>(
      "insert into reports (id, program, received_at, report_ct, contact_ct) values (?, ?, ?, ?, ?)",
    );
    const key = randomBytes(32);
    const keys: KeySource = { active: { id: "k1", key }, get: () => key };
    const commit = db.transaction((count: number) => {
      for (let index = 0; index < count; index += 1) {
        const id = randomId();
        const { title, fields, credit, contact } = REPORT;
        insert.run(
          id,
          REPORT.program,
          new Date().toISOString(),
          encryptText(keys, JSON.stringify({ title, fields, credit }), aad.report(id)),
          encryptText(keys, JSON.stringify(contact), aad.contact(id)),
        );
      }
    });
    const file = (count: number) => {
      for (let done = 0; done < count; done += perCommit) commit(perCommit);
    };
    file(WARM);
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.pragma("wal_autocheckpoint = 0");
    file(MEASURED);
    const [result] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number }[];
    return Number(result?.log) / MEASURED;
  } finally {
    db.close();
  }
}
