import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addInternalNote, replyToReporter } from "../../src/commands/conversation.js";
import { transition } from "../../src/commands/lifecycle.js";
import { rotateDataKey } from "../../src/commands/rotate-keys.js";
import { updateTriage } from "../../src/commands/triage.js";
import { keyIdOf } from "../../src/crypto/envelope.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { findCaseForReporter, getAttachment } from "../../src/store/cases.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import { ENCRYPTED_TABLES } from "../../src/store/encrypted-columns.js";
import { listInbox } from "../../src/store/inbox.js";
import { migrate, migrateDown } from "../../src/store/migrate.js";
import { backfillSearchIndex, currentSearchKey, titleWords } from "../../src/store/search-index.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { AS_ALICE, hours, seedCase, T0 } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

const CASE_WORK_TABLES = ["case_followers", "case_tags", "case_title_terms", "cases", "search_keys"];

describe("title words", () => {
  it("are lower case, accent-free, split on anything but letters and digits, distinct", () => {
    expect(titleWords("Stored XSS in Profile-page (v2.1): XSS again — Ünïcödé café")).toEqual([
      "stored",
      "xss",
      "in",
      "profile",
      "page",
      "v2",
      "1",
      "again",
      "unicode",
      "cafe",
    ]);
    expect(titleWords("  !!! ")).toEqual([]);
    expect(titleWords("漏洞 报告")).toEqual(["漏洞", "报告"]);
  });
});

describe.each(databases)("title search index on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  let masterKey: Buffer;
  beforeEach(async () => {
    ({ store, keyring, masterKey } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  const search = async (text: string, ring = keyring) =>
    (await listInbox(store, ring, { programs: "*", now: T0, limit: 50, text })).rows.map((row) => row.id);

  it("backfills next_due_at in the migration and the title terms at start, for cases stored before", async () => {
    const open = await seedCase(store, keyring, { title: "Reflected XSS in search" });
    const none = await seedCase(store, keyring, { title: "No deadline here", acknowledgeBy: null });
    // Back to the schema before this work: the new columns and tables go, the cases stay.
    // (Later migrations are undone first, newest first.)
    let undone: string | undefined;
    do undone = await migrateDown(store);
    while (undone !== "2026112503_case_work" && undone !== undefined);
    expect(undone).toBe("2026112503_case_work");
    expect(await store.db.selectFrom("cases").select("id").execute()).toHaveLength(2);
    expect((await migrate(store))[0]).toBe("2026112503_case_work");

    const rows = await store.db
      .selectFrom("cases")
      .select(["id", "next_due_at", "search_key_id"])
      .orderBy("received_at")
      .execute();
    expect(new Map(rows.map((row) => [row.id, row.next_due_at]))).toEqual(
      new Map([
        [open.caseId, hours(24).toISOString()],
        [none.caseId, null],
      ]),
    );
    expect(rows.every((row) => row.search_key_id === null)).toBe(true);
    // Nothing indexed yet (a search would index them first: the pending cases).
    expect(await store.db.selectFrom("case_title_terms").selectAll().execute()).toEqual([]);

    expect(await backfillSearchIndex(store, keyring, { batchSize: 1 })).toBe(2);
    expect(await search("xss")).toEqual([open.caseId]);
    expect(await search("deadline")).toEqual([none.caseId]);
    // Done once: the next start has nothing to do.
    expect(await backfillSearchIndex(store, keyring)).toBe(0);
    // A case submitted now has its title indexed at once (the rest of its report waits for the
    // next search or start: test/store/body-search-index.test.ts).
    const fresh = await seedCase(store, keyring, { title: "Fresh XSS" });
    expect((await search("xss")).sort()).toEqual([open.caseId, fresh.caseId].sort());
    expect(await backfillSearchIndex(store, keyring)).toBe(0);
  });

  it("survives key rotation: the search key is re-encrypted, not replaced, and everything decrypts", async () => {
    const { caseId, reporterToken } = await seedCase(store, keyring, {
      title: "Rotated SSRF in webhook",
      attachments: [{ filename: "poc.txt", contentType: "text/plain", data: Buffer.from("poc") }],
    });
    const note = await addInternalNote({ store, keyring }, caseId, AS_ALICE, "internal", hours(1), [
      { filename: "note.txt", contentType: "text/plain", data: Buffer.from("note file") },
    ]);
    await replyToReporter({ store, keyring }, caseId, AS_ALICE, "thanks", [], hours(2));
    await updateTriage({ store, keyring }, caseId, AS_ALICE, { severity: "high", tags: ["ssrf"] }, hours(3));
    await transition(
      { store, keyring },
      caseId,
      AS_ALICE,
      { to: "triaged", noIncidentAllowed: false },
      hours(4),
    );
    const keyBefore = await currentSearchKey(store, keyring);
    const staffBefore = await getCaseForStaff(store, keyring, caseId);
    const reporterBefore = await findCaseForReporter(store, keyring, reporterToken);

    await rotateDataKey(store, masterKey, { batchSize: 1 });
    const searchKeys = await store.db.selectFrom("search_keys").select("key_ct").execute();
    expect(searchKeys.map((row) => keyIdOf(row.key_ct))).toEqual(["k2"]);

    for (const ring of [await loadKeyring(store, masterKey), keyring]) {
      expect((await currentSearchKey(store, ring)).key.equals(keyBefore.key)).toBe(true);
      expect(await search("ssrf webhook", ring)).toEqual([caseId]);
      expect(await getCaseForStaff(store, ring, caseId)).toEqual(staffBefore);
      expect(await findCaseForReporter(store, ring, reporterToken)).toEqual(reporterBefore);
      const noteFile = note.attachmentIds[0] ?? "";
      expect((await getAttachment(store, ring, caseId, noteFile, "team"))?.data.toString()).toBe("note file");
      expect(await verifyAuditChains(store, ring)).toEqual({ ok: true, cases: 1, events: 7 });
    }
  });

  it("lists every encrypted column of this work for key rotation", async () => {
    const tables = (await store.db.introspection.getTables()).filter(
      (table) =>
        CASE_WORK_TABLES.includes(table.name) &&
        (store.schema === undefined || table.schema === store.schema),
    );
    const encrypted = tables
      .flatMap((table) =>
        table.columns
          .filter(
            (column) =>
              column.name.endsWith("_ct") || ["blob", "bytea"].includes(column.dataType.toLowerCase()),
          )
          .map((column) => `${table.name}.${column.name}`),
      )
      .sort();
    const rotated = ENCRYPTED_TABLES.filter((table) => CASE_WORK_TABLES.includes(table.table))
      .flatMap((table) => table.columns.map((column) => `${table.table}.${column}`))
      .sort();
    expect(rotated).toEqual(encrypted);
    expect(encrypted).toContain("search_keys.key_ct");
  });

  it("makes one search key even when instances race for it", async () => {
    const other = await store.reopen();
    try {
      const otherRing = await loadKeyring(other, masterKey);
      const keys = await Promise.all([
        currentSearchKey(store, keyring),
        currentSearchKey(other, otherRing),
        currentSearchKey(store, keyring),
      ]);
      expect(new Set(keys.map((key) => key.key.toString("hex"))).size).toBe(1);
      expect(await store.db.selectFrom("search_keys").select("id").execute()).toEqual([{ id: "s1" }]);
    } finally {
      await other.close();
    }
  });
});
