import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReporterMessage } from "../../src/commands/reporter-message.js";
import { rotateDataKey } from "../../src/commands/rotate-keys.js";
import { submitReport } from "../../src/commands/submit-report.js";
import { isCaseKeyId } from "../../src/crypto/case-key-ids.js";
import { keyIdOf } from "../../src/crypto/envelope.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { findCaseForReporter, getAttachment } from "../../src/store/cases.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import { databases, type TestStore } from "../support/databases.js";
import { buildReport, openReadyStore } from "../support/reports.js";

describe.each(databases)("key rotation on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  let masterKey: Buffer;
  beforeEach(async () => {
    ({ store, keyring, masterKey } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  /**
   * The key id of every ciphertext in the database; "own" for a case's data under the case's own
   * key, which rotation leaves alone (it re-wraps the key, listed under `case_keys`).
   */
  async function ciphertextKeyIds(): Promise<string[]> {
    const cases = await store.db.selectFrom("cases").select(["report_ct", "contact_ct"]).execute();
    const events = await store.db.selectFrom("case_events").select("payload_ct").execute();
    const files = await store.db.selectFrom("attachments").select(["meta_ct", "data"]).execute();
    const searchKeys = await store.db.selectFrom("search_keys").select("key_ct").execute();
    const caseKeys = await store.db.selectFrom("case_keys").select("key_ct").execute();
    return [
      ...searchKeys.map((row) => row.key_ct),
      ...caseKeys.flatMap((row) => (row.key_ct === null ? [] : [row.key_ct])),
      ...cases.flatMap((row) =>
        row.contact_ct === null ? [row.report_ct] : [row.report_ct, row.contact_ct],
      ),
      ...events.map((row) => row.payload_ct),
      ...files.flatMap((row) => [row.meta_ct, row.data]),
    ]
      .map(keyIdOf)
      .map((id) => (isCaseKeyId(id) ? "own" : id));
  }

  it("re-encrypts every ciphertext under a new key, retires the old one, and everything still reads", async () => {
    const first = await submitReport({ store, keyring }, buildReport());
    const second = await submitReport({ store, keyring }, buildReport({ contact: {}, title: "Second" }));
    await addReporterMessage(
      { store, keyring },
      first.caseId,
      "More details",
      [{ filename: "more.txt", contentType: "text/plain", data: Buffer.from("details") }],
      new Date(),
    );
    const before = await Promise.all(
      [first, second].map((c) => findCaseForReporter(store, keyring, c.reporterToken)),
    );
    const oldIds = await ciphertextKeyIds();
    expect(new Set(oldIds)).toEqual(new Set(["k1", "own"]));

    // Batches of one row: every table needs several transactions.
    const result = await rotateDataKey(store, masterKey, { batchSize: 1 });
    expect(result).toEqual({ keyId: "k2", reencrypted: oldIds.filter((id) => id === "k1").length });
    expect(new Set(await ciphertextKeyIds())).toEqual(new Set(["k2", "own"]));
    const keys = await store.db
      .selectFrom("encryption_keys")
      .select(["id", "retired_at"])
      .orderBy("id")
      .execute();
    expect(keys.map((key) => ({ id: key.id, retired: key.retired_at !== null }))).toEqual([
      { id: "k1", retired: true },
      { id: "k2", retired: false },
    ]);

    // A fresh keyring (another instance restarting) and the stale one (refreshes on k2) both read it all.
    for (const ring of [await loadKeyring(store, masterKey), keyring]) {
      const after = await Promise.all(
        [first, second].map((c) => findCaseForReporter(store, ring, c.reporterToken)),
      );
      expect(after).toEqual(before);
      for (const attachment of after[0]?.attachments ?? []) {
        const file = await getAttachment(store, ring, first.caseId, attachment.id);
        expect(file?.data.length).toBe(attachment.size);
      }
      expect(await verifyAuditChains(store, ring)).toEqual({ ok: true, cases: 2, events: 7 });
    }
    const original = buildReport().attachments[0]?.data;
    const firstFile = before[0]?.attachments[0]?.id ?? "";
    expect(
      (await getAttachment(store, keyring, first.caseId, firstFile))?.data.equals(
        original ?? Buffer.alloc(0),
      ),
    ).toBe(true);
  });

  it("rotates again, and rotates an empty database", async () => {
    expect(await rotateDataKey(store, masterKey)).toEqual({ keyId: "k2", reencrypted: 0 });
    await submitReport({ store, keyring }, buildReport());
    const third = await rotateDataKey(store, masterKey);
    expect(third.keyId).toBe("k3");
    expect(third.reencrypted).toBeGreaterThan(0);
    expect(new Set(await ciphertextKeyIds())).toEqual(new Set(["k3", "own"]));
    expect((await loadKeyring(store, masterKey)).active.id).toBe("k3");
  });
});
