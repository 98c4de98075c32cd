import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backupDecryptor, backupEncryptor } from "../../src/crypto/backup-stream.js";
import { openDatabase } from "../../src/store/database.js";
import { migrateTo } from "../../src/store/migrate.js";
import { runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { Browser, type CreatedStaff, createStaff, signIn } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { type FiledReport, fileReport, postCaseForm, postCaseMultipart } from "../support/workspace.js";

/**
 * `embargo backup FILE` while the server takes reports, then `embargo restore FILE` into a new,
 * empty database: every report acknowledged (201) before the backup began is back, readable
 * with the same master key, its audit chain verifies; and what a restore must refuse.
 */
async function scratchDatabase(name: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  if (name === "postgres") return createScratchPostgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), "embargo-restore-db-"));
  return {
    url: `sqlite:${join(dir, "embargo.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe.each(databases)("embargo backup and restore on $name", (database) => {
  let source: { url: string; drop(): Promise<void> };
  let target: { url: string; drop(): Promise<void> };
  let dir: string;
  let masterKey: Buffer;
  let t: TestApp;
  let lead: CreatedStaff;
  let env: NodeJS.ProcessEnv;
  let targetEnv: NodeJS.ProcessEnv;
  let backupFile: string;
  const marker = randomBytes(4).toString("hex");
  const title = (n: number) => `Backup probe ${marker} number ${n}`;
  const report = (n: number) => fileReport(t, "kitsu", { title: title(n) });

  beforeEach(async () => {
    source = await scratchDatabase(database.name);
    target = await scratchDatabase(database.name);
    dir = mkdtempSync(join(tmpdir(), "embargo-backup-"));
    backupFile = join(dir, "backups", "embargo.backup");
    mkdirSync(join(dir, "backups"));
    masterKey = randomBytes(32);
    t = await startTestApp(() => openDatabase(source.url), {}, { masterKey });
    lead = await createStaff(t, { email: "lead@example.org", role: "admin" });
    env = {
      EMBARGO_DATABASE_URL: source.url,
      EMBARGO_SECRET_KEY: masterKey.toString("base64"),
      EMBARGO_DATA_DIR: join(dir, "data"),
    };
    targetEnv = { ...env, EMBARGO_DATABASE_URL: target.url };
  });
  afterEach(async () => {
    await t.close();
    await source.drop();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const backUp = async (): Promise<void> => {
    const made = await runEmbargo(["backup", backupFile], { env });
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
  };

  it("backs up while reports arrive; the restore holds every acknowledged report, readable, with verifying chains", async () => {
    const before: FiledReport[] = [];
    for (let n = 0; n < 10; n += 1) before.push(await report(n));
    const [original, duplicate] = [before[0]!, before[1]!];
    // A case pointing at another of its table, and a file: both must come back as they were.
    const closed = await postCaseForm(lead, duplicate.id, "transition", {
      to: "closed",
      outcome: "duplicate",
      "duplicate-of": original.id,
    });
    expect(closed.statusCode).toBe(303);
    const trace = randomBytes(50_000);
    const noted = await postCaseMultipart(lead, original.id, "note", { note: `Trace ${marker}` }, [
      { name: "attachments", filename: "trace.bin", type: "application/octet-stream", data: trace },
    ]);
    expect(noted.statusCode).toBe(303);

    // 30 more reports in parallel batches of 10 while the backup runs.
    const during: FiledReport[] = [];
    const load = (async () => {
      for (let batch = 1; batch <= 3; batch += 1) {
        const numbers = Array.from({ length: 10 }, (_, i) => batch * 10 + i);
        during.push(...(await Promise.all(numbers.map(report))));
      }
    })();
    const made = await runEmbargo(["backup", backupFile], { env });
    await load;
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(`backup written to ${backupFile}`);
    expect(made.stdout).toContain("The master key is not in the backup");
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, "backups"))).toEqual(["embargo.backup"]);
    // Encrypted as a whole: neither a report's title nor a program's name is in the file.
    const raw = readFileSync(backupFile);
    expect(raw.subarray(0, 17).toString("ascii")).toBe("EMBARGO-BACKUP/1\n");
    expect(raw.includes(Buffer.from(marker))).toBe(false);
    expect(raw.includes(Buffer.from("kitsu"))).toBe(false);

    const restored = await runEmbargo(["restore", backupFile], { env: targetEnv });
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    const cases = Number(/chains: (\d+) cases verified/.exec(restored.stdout)?.[1]);
    expect(cases).toBeGreaterThanOrEqual(before.length);
    expect(cases).toBeLessThanOrEqual(before.length + during.length);
    expect(restored.stdout).toMatch(new RegExp(`\\n  cases +${cases}\\n`));
    expect(restored.stdout).toMatch(/\n {2}attachments +1\n/);
    const audit = await runEmbargo(["audit", "verify"], { env: targetEnv });
    expect(audit.stdout).toContain(`ok: ${cases} cases`);
    expect(audit.code).toBe(0);

    // The restored installation, opened with the same master key: the lead signs in as before.
    const t2 = await startTestApp(() => openDatabase(target.url), {}, { masterKey });
    try {
      const browser = new Browser(t2.app);
      const signedIn = await signIn(t2, browser, { email: lead.email, password: lead.password });
      expect(signedIn.statusCode).toBe(303);
      const read = (id: string) => browser.get(`/api/v1/cases/${id}`);
      for (const [n, filed] of before.entries()) {
        const found = await read(filed.id);
        expect(found.statusCode).toBe(200);
        expect(found.json().report.title).toBe(title(n));
      }
      expect((await read(duplicate.id)).json().duplicateOf).toBe(original.id);
      const attachment = (await read(original.id)).json().attachments[0] as { url: string };
      const download = await browser.get(attachment.url);
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload.equals(trace)).toBe(true);
      // A report taken during the backup is there whole, or not at all.
      let present = before.length;
      for (const filed of during) {
        const found = await read(filed.id);
        expect([200, 404]).toContain(found.statusCode);
        if (found.statusCode === 200) {
          expect(found.json().report.title).toContain(marker);
          present += 1;
        }
      }
      expect(present).toBe(cases);
    } finally {
      await t2.close();
    }
  });

  it.skipIf(databases.length < 2)("restores into the other engine", async () => {
    const filed = await report(7);
    await backUp();
    const other = await scratchDatabase(database.name === "sqlite" ? "postgres" : "sqlite");
    try {
      const otherEnv = { ...env, EMBARGO_DATABASE_URL: other.url };
      const restored = await runEmbargo(["restore", backupFile], { env: otherEnv });
      expect(restored.stderr).toBe("");
      expect(restored.stdout).toContain(`from ${database.name}`);
      expect(restored.stdout).toContain("chains: 1 cases verified");
      const t2 = await startTestApp(() => openDatabase(other.url), {}, { masterKey });
      try {
        const browser = new Browser(t2.app);
        expect((await signIn(t2, browser, { email: lead.email, password: lead.password })).statusCode).toBe(
          303,
        );
        expect((await browser.get(`/api/v1/cases/${filed.id}`)).json().report.title).toBe(title(7));
      } finally {
        await t2.close();
      }
    } finally {
      await other.drop();
    }
  });

  it("restores a backup of an older schema at its level, then brings the database up to date", async () => {
    const older = await scratchDatabase(database.name);
    try {
      const store = await openDatabase(older.url);
      try {
        await migrateTo(store, "2026121004_rewards");
      } finally {
        await store.close();
      }
      const olderFile = join(dir, "older.backup");
      const made = await runEmbargo(["backup", olderFile], {
        env: { ...env, EMBARGO_DATABASE_URL: older.url },
      });
      expect(made.stdout).toContain("schema 2026121004_rewards");
      // An empty target already at the latest schema goes back to the backup's level first.
      expect((await runEmbargo(["migrate"], { env: targetEnv })).code).toBe(0);
      const restored = await runEmbargo(["restore", olderFile], { env: targetEnv });
      expect(restored.stderr).toBe("");
      expect(restored.stdout).toContain("schema 2026121004_rewards");
      expect(restored.stdout).toMatch(/migrations run since: 2026121202_case_numbers, /);
      expect(restored.stdout).toContain("chains: 0 cases verified");
    } finally {
      await older.drop();
    }
  });

  it("refuses another master key, or none, and writes nothing", async () => {
    await report(1);
    await backUp();
    const otherKey = randomBytes(32).toString("base64");

    const wrong = await runEmbargo(["restore", backupFile], {
      env: { ...targetEnv, EMBARGO_SECRET_KEY: otherKey },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("this backup was made with another master key");
    const emptyDataDir = join(dir, "empty-data");
    const none = await runEmbargo(["restore", backupFile], {
      env: { EMBARGO_DATABASE_URL: target.url, EMBARGO_DATA_DIR: emptyDataDir },
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("restoring a backup needs the master key");
    expect(existsSync(join(emptyDataDir, "master.key"))).toBe(false);
    // A backup under a key that is not the database's could never be read back: refused.
    const mismatched = await runEmbargo(["backup", join(dir, "other.backup")], {
      env: { ...env, EMBARGO_SECRET_KEY: otherKey },
    });
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toContain("does not match the key that encrypted this database");
    expect(existsSync(join(dir, "other.backup"))).toBe(false);

    // The target was left empty: the right key restores into it.
    const restored = await runEmbargo(["restore", backupFile], { env: targetEnv });
    expect(restored.stderr).toBe("");
    expect(restored.stdout).toContain("chains: 1 cases verified");
  });

  it("refuses a target database that is not empty", async () => {
    await report(1);
    await report(2);
    await backUp();
    expect((await runEmbargo(["restore", backupFile], { env: targetEnv })).code).toBe(0);
    const again = await runEmbargo(["restore", backupFile], { env: targetEnv });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("the target database is not empty (its cases table holds rows)");
    const audit = await runEmbargo(["audit", "verify"], { env: targetEnv });
    expect(audit.stdout).toContain("ok: 2 cases");
  });

  /** The backup's lines, decrypted with the test's master key, and lines sealed as a backup. */
  const through = async (stream: Transform, input: Buffer): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    await pipeline(Readable.from([input]), stream, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    });
    return Buffer.concat(chunks);
  };
  const opened = async (file: Buffer) =>
    gunzipSync(await through(backupDecryptor(masterKey), file)).toString();
  const sealed = (text: string) => through(backupEncryptor(masterKey), gzipSync(text));

  it("refuses a truncated, altered or foreign file and bad arguments, naming the problem", async () => {
    await report(1);
    await backUp();
    const raw = readFileSync(backupFile);
    const restoreFrom = async (bytes: Buffer | string) => {
      const file = join(dir, `bad-${randomBytes(4).toString("hex")}`);
      writeFileSync(file, bytes);
      return runEmbargo(["restore", file], { env: targetEnv });
    };
    const truncated = await restoreFrom(raw.subarray(0, raw.length - 40));
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain("the backup is truncated");
    const altered = Buffer.from(raw);
    altered[120] = altered[120]! ^ 0x01;
    const tampered = await restoreFrom(altered);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("the backup is damaged or was altered: block 1");
    const appended = await restoreFrom(Buffer.concat([raw, Buffer.from("more")]));
    expect(appended.stderr).toContain("the backup has data after its last block");
    const foreign = await restoreFrom("id,title\n1,hello\n");
    expect(foreign.stderr).toContain("this file is not an Embargo backup");
    // Encrypted with the right key, but not what `embargo backup` writes: its contents are checked.
    const lines = (await opened(raw)).trimEnd().split("\n");
    expect(JSON.parse(lines[0]!).masterKey).toContain("The master key is not in this backup");
    const noTrailer = await restoreFrom(await sealed(`${lines.slice(0, -1).join("\n")}\n`));
    expect(noTrailer.stderr).toContain("the backup's contents are not valid: it ends without its trailer");
    const edited = lines.map((line) => line.replace('"kitsu"', '"kafe"'));
    expect(edited).not.toEqual(lines);
    const checksum = await restoreFrom(await sealed(`${edited.join("\n")}\n`));
    expect(checksum.stderr).toContain("its checksum does not match its contents");
    const missing = await runEmbargo(["restore", join(dir, "nope.backup")], { env: targetEnv });
    expect(missing.stderr).toContain("there is no backup file at");
    const noFolder = await runEmbargo(["backup", join(dir, "nowhere", "x.backup")], { env });
    expect(noFolder.stderr).toContain(`there is no folder ${join(dir, "nowhere")} to write the backup in`);
    const noFile = await runEmbargo(["backup"], { env });
    expect(noFile.code).not.toBe(0);
    expect(noFile.stderr).toContain("missing required argument 'file'");

    // Nothing above wrote to the target: the intact file restores into it.
    const restored = await runEmbargo(["restore", backupFile], { env: targetEnv });
    expect(restored.stderr).toBe("");
    expect(restored.stdout).toContain("chains: 1 cases verified");
  });
});
