import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backupCommand } from "../../src/cli/commands/backup.js";
import { eraseCommand } from "../../src/cli/commands/erase.js";
import { replyToReporter } from "../../src/commands/conversation.js";
import { eraseCase } from "../../src/commands/erase-case.js";
import { addReporterMessage } from "../../src/commands/reporter-message.js";
import { submitReport } from "../../src/commands/submit-report.js";
import { decryptText, encryptText, keyIdOf } from "../../src/crypto/envelope.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { aad } from "../../src/store/aad.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { CaseErasedError, findCaseForReporter } from "../../src/store/cases.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import { duplicateCandidates } from "../../src/store/duplicate-candidates.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases, POSTGRES_TEST_URL, type TestStore } from "../support/databases.js";
import { buildReport, openReadyStore } from "../support/reports.js";

/** Words that appear only in what the reporter sent, to look for after the erasure. */
const SECRET_TITLE = "Quokkaflux overflow in the parser";
const SECRET_BODY = "zebrawidget payload crashes the daemon";
const SECRET_MESSAGE = "another narwhalgram detail";
const SECRET_EMAIL = "erase-me@reporter.example";

describe.each(databases)("erasure by key destruction on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  let masterKey: Buffer;
  beforeEach(async () => {
    ({ store, keyring, masterKey } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  async function fileCase() {
    const filed = await submitReport(
      { store, keyring },
      buildReport({
        title: SECRET_TITLE,
        fields: { description: SECRET_BODY },
        contact: { email: SECRET_EMAIL },
      }),
    );
    await addReporterMessage(
      { store, keyring },
      filed.caseId,
      SECRET_MESSAGE,
      [{ filename: "more.txt", contentType: "text/plain", data: Buffer.from(SECRET_MESSAGE) }],
      new Date("2026-11-26T10:00:00Z"),
    );
    await replyToReporter(
      { store, keyring },
      filed.caseId,
      "team:u1",
      "Thanks, looking",
      [],
      new Date("2026-11-26T11:00:00Z"),
    );
    return filed;
  }

  it("erases a case's content: its keys are destroyed, no reader finds what it said, and the chain still verifies", async () => {
    const filed = await fileCase();
    const other = await submitReport({ store, keyring }, buildReport({ title: "Another case" }));
    const wrapped = await store.db
      .selectFrom("case_keys")
      .select("key_ct")
      .where("case_id", "=", filed.caseId)
      .execute();
    const at = new Date("2026-12-01T00:00:00Z");
    const outcome = await eraseCase(
      { store, keyring },
      filed.caseId,
      { scope: "content", reason: "the reporter asked", actor: "system" },
      at,
    );
    expect(outcome.keys.sort()).toEqual([`c-${filed.caseId}`, `p-${filed.caseId}`]);
    expect(outcome.deleted.attachments).toBe(3);

    const keys = await store.db
      .selectFrom("case_keys")
      .selectAll()
      .where("case_id", "=", filed.caseId)
      .execute();
    expect(keys.map((key) => [key.key_ct, key.destroyed_at])).toEqual([
      [null, at.toISOString()],
      [null, at.toISOString()],
    ]);
    // Every event written before the erasure is under the destroyed key and keeps its digest.
    const events = await store.db
      .selectFrom("case_events")
      .select(["seq", "type", "payload_ct", "payload_digest"])
      .where("case_id", "=", filed.caseId)
      .orderBy("seq")
      .execute();
    const erasure = events.at(-1);
    expect(erasure?.type).toBe("case.erased");
    for (const event of events.slice(0, -1)) {
      expect(keyIdOf(event.payload_ct)).toBe(`c-${filed.caseId}`);
      expect(event.payload_digest).toMatch(/^[0-9a-f]{64}$/);
    }
    for (const table of ["attachments", "inbound_mail", "outbox", "case_title_terms"] as const) {
      const left = await store.db
        .selectFrom(table)
        .select("case_id")
        .where("case_id", "=", filed.caseId)
        .execute();
      expect(left, table).toEqual([]);
    }

    // Another instance with the master key (a fresh keyring) reads no trace of the report...
    for (const ring of [keyring, await loadKeyring(await store.reopen(), masterKey)]) {
      const staff = await getCaseForStaff(store, ring, filed.caseId);
      const seen = JSON.stringify(staff);
      for (const secret of [SECRET_TITLE, SECRET_BODY, SECRET_MESSAGE, SECRET_EMAIL])
        expect(seen).not.toContain(secret);
      expect(staff?.report.title).toBe("Erased");
      expect(staff?.events.at(-1)?.type).toBe("case.erased");
      const reporter = await findCaseForReporter(store, ring, filed.reporterToken);
      expect(JSON.stringify(reporter)).not.toContain(SECRET_MESSAGE);
      // ...and the audit chain of every case still verifies.
      expect(await verifyAuditChains(store, ring)).toMatchObject({ ok: true, cases: 2 });
    }
    // Nor is it offered as a likely duplicate of another case.
    const candidates = await duplicateCandidates(store, keyring, other.caseId, 10);
    expect(candidates.map((candidate) => candidate.id)).not.toContain(filed.caseId);
    // The other case is untouched.
    expect((await getCaseForStaff(store, keyring, other.caseId))?.report.title).toBe("Another case");
    if (store.dialect === "sqlite") {
      // Nor does the file hold it in clear (it never did: it was encrypted; now its key is gone too).
      const bytes = Buffer.concat([readFileSync(store.location), readWal(store.location)]).toString("latin1");
      for (const secret of [SECRET_TITLE, SECRET_BODY, SECRET_EMAIL]) expect(bytes).not.toContain(secret);
      // The destroyed keys' wrapped copies are gone from the file and its log too (secure_delete,
      // then a checkpoint), not only from the table.
      for (const { key_ct } of wrapped) expect(bytes).not.toContain(key_ct?.split(".")[3]);
    }
  });

  it("erases a case taken before per-case keys: its data is moved under a key of its own, then that key is destroyed", async () => {
    const filed = await fileCase();
    // Make it a case of before: everything under the installation's data key, no case keys.
    const dataKey = { active: keyring.active, get: (id: string) => keyring.get(id) };
    const reseal = (value: string, where: string) =>
      encryptText(dataKey, decryptText(keyring, value, where), where);
    await store.transaction(async (trx) => {
      const row = await trx
        .selectFrom("cases")
        .select(["report_ct", "contact_ct"])
        .where("id", "=", filed.caseId)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable("cases")
        .set({
          report_ct: reseal(row.report_ct, aad.report(filed.caseId)),
          contact_ct: row.contact_ct === null ? null : reseal(row.contact_ct, aad.contact(filed.caseId)),
        })
        .where("id", "=", filed.caseId)
        .execute();
      const events = await trx
        .selectFrom("case_events")
        .select(["seq", "payload_ct"])
        .where("case_id", "=", filed.caseId)
        .execute();
      for (const event of events) {
        await trx
          .updateTable("case_events")
          .set({ payload_ct: reseal(event.payload_ct, aad.event(filed.caseId, event.seq)) })
          .where("case_id", "=", filed.caseId)
          .where("seq", "=", event.seq)
          .execute();
      }
      await trx.deleteFrom("case_keys").where("case_id", "=", filed.caseId).execute();
    });
    const ring = await loadKeyring(store, masterKey);
    expect(await verifyAuditChains(store, ring)).toMatchObject({ ok: true });

    await eraseCase(
      { store, keyring: ring },
      filed.caseId,
      { scope: "content", reason: "asked", actor: "system" },
      new Date(),
    );
    const events = await store.db
      .selectFrom("case_events")
      .select(["type", "payload_ct"])
      .where("case_id", "=", filed.caseId)
      .orderBy("seq")
      .execute();
    // Nothing the reporter wrote is left under a key that still exists.
    for (const event of events.slice(0, -1)) expect(keyIdOf(event.payload_ct)).toBe(`c-${filed.caseId}`);
    const keys = await store.db
      .selectFrom("case_keys")
      .select(["key_id", "key_ct"])
      .where("case_id", "=", filed.caseId)
      .execute();
    expect(keys.map((key) => key.key_ct)).toEqual([null, null]);
    const fresh = await loadKeyring(store, masterKey);
    expect(JSON.stringify(await getCaseForStaff(store, fresh, filed.caseId))).not.toContain(SECRET_BODY);
    expect(await verifyAuditChains(store, fresh)).toMatchObject({ ok: true, cases: 1 });
  });

  it("another instance stops reading an erased case within a minute of the erasure", async () => {
    const filed = await fileCase();
    const other = await store.reopen();
    try {
      const otherRing = await loadKeyring(other, masterKey);
      expect(JSON.stringify(await getCaseForStaff(other, otherRing, filed.caseId))).toContain(SECRET_MESSAGE);
      await eraseCase(
        { store, keyring },
        filed.caseId,
        { scope: "content", reason: "asked", actor: "system" },
        new Date(),
      );
      // The other instance loaded the key before; a minute later it reads the key again, gone.
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 61_000);
      const seen = JSON.stringify(await getCaseForStaff(other, otherRing, filed.caseId));
      expect(seen).not.toContain(SECRET_MESSAGE);
      expect(seen).toContain("(erased)");
    } finally {
      vi.useRealTimers();
      await other.close();
    }
  });

  it("erases only the reporter's contact details: the report stays readable, the chain verifies", async () => {
    const filed = await fileCase();
    await eraseCase(
      { store, keyring },
      filed.caseId,
      { scope: "contact", reason: "the reporter asked", actor: "system" },
      new Date("2026-12-01T00:00:00Z"),
    );
    const ring = await loadKeyring(store, masterKey);
    const staff = await getCaseForStaff(store, ring, filed.caseId);
    expect(staff?.report.title).toBe(SECRET_TITLE);
    expect(JSON.stringify(staff)).not.toContain(SECRET_EMAIL);
    const row = await store.db
      .selectFrom("case_keys")
      .select(["key_id", "key_ct"])
      .where("case_id", "=", filed.caseId)
      .orderBy("key_id")
      .execute();
    expect(row.map((key) => [key.key_id, key.key_ct === null])).toEqual([
      [`c-${filed.caseId}`, false],
      [`p-${filed.caseId}`, true],
    ]);
    expect(await verifyAuditChains(store, ring)).toMatchObject({ ok: true, cases: 1 });
    // The case goes on: the team can still reply (there is no one to mail it to).
    await replyToReporter(
      { store, keyring: ring },
      filed.caseId,
      "team:u1",
      "Fixed",
      [],
      new Date("2026-12-02T00:00:00Z"),
    );
  });

  it("refuses any change to an erased case, the erasure itself included", async () => {
    const filed = await fileCase();
    const deps = { store, keyring };
    await eraseCase(deps, filed.caseId, { scope: "content", reason: "asked", actor: "system" }, new Date());
    await expect(
      replyToReporter(deps, filed.caseId, "team:u1", "Hello", [], new Date()),
    ).rejects.toBeInstanceOf(CaseErasedError);
    await expect(
      eraseCase(deps, filed.caseId, { scope: "contact", reason: "again", actor: "system" }, new Date()),
    ).rejects.toBeInstanceOf(CaseErasedError);
    await expect(
      eraseCase(deps, filed.caseId, { scope: "content", reason: " ", actor: "system" }, new Date()),
    ).rejects.toThrow(/say why/);
  });

  it("embargo erase names the case by its reference and lists the backups made before", async () => {
    const filed = await fileCase();
    let out = "";
    const secretKey = masterKey.toString("base64");
    const databaseUrl =
      store.dialect === "sqlite"
        ? `sqlite:${store.location}`
        : `${POSTGRES_TEST_URL}?options=${encodeURIComponent(`-c search_path=${store.location}`)}`;
    const io = {
      stdout: (text: string) => {
        out += text;
      },
      stderr: (text: string) => {
        out += text;
      },
      options: () => ({ databaseUrl, dataDir: "/nonexistent", secretKey }),
    };
    const run = (...args: string[]) => eraseCommand(io).parseAsync(args, { from: "user" });
    // A backup made through the CLI, before the erasure: the log keeps it.
    const folder = mkdtempSync(join(tmpdir(), "embargo-erase-"));
    const backupFile = join(folder, "monday.embargo");
    try {
      await backupCommand(io).parseAsync([backupFile], { from: "user" });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    out = "";

    await run("--case", "ACME-1", "--contact-only");
    expect(out).toContain(`erased the contact details of ACME-1: keys p-${filed.caseId} destroyed`);
    expect(out).toContain("1 backup(s) made before this still hold it");
    expect(out).toContain(backupFile);
    out = "";
    await run("--case", filed.caseId);
    expect(out).toContain(
      `erased the content of ACME-1: keys p-${filed.caseId}, c-${filed.caseId} destroyed`,
    );
    await expect(run("--case", "ACME-1")).rejects.toBeInstanceOf(CommanderError);
    await expect(run("--case", "ACME-99")).rejects.toThrow(/no case "ACME-99"/);
    // What an operator might paste: a 10,000-character "case" is not echoed whole; a reason of
    // 501 characters is refused before anything is erased.
    out = "";
    await expect(run("--case", "x".repeat(10_000))).rejects.toThrow(/^no case "x{80}"\n$/);
    const other = await fileCase();
    await expect(run("--case", other.caseId, "--reason", "r".repeat(501))).rejects.toThrow(/at most 500/);
    const kept = await store.db
      .selectFrom("case_keys")
      .select("key_ct")
      .where("case_id", "=", other.caseId)
      .execute();
    expect(kept.every((key) => key.key_ct !== null)).toBe(true);
    expect(await verifyAuditChains(store, await loadKeyring(store, masterKey))).toMatchObject({ ok: true });
  });
});

function readWal(file: string): Buffer {
  try {
    return readFileSync(`${file}-wal`);
  } catch {
    return Buffer.alloc(0);
  }
}
