import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReporterMessage } from "../../src/commands/reporter-message.js";
import { submitReport } from "../../src/commands/submit-report.js";
import { encryptText } from "../../src/crypto/envelope.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { aad } from "../../src/store/aad.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { canonicalJson } from "../../src/store/canonical-json.js";
import { eventHash, GENESIS_HASH, payloadDigest } from "../../src/store/chain.js";
import { databases, type TestStore } from "../support/databases.js";
import { buildReport, openReadyStore } from "../support/reports.js";

describe("the hash chain", () => {
  it("hashes prev_hash and the canonical event with the plaintext payload's digest", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: { z: undefined, y: "é" } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":"é"}}',
    );
    expect(payloadDigest({ text: "hi", attachmentIds: [] })).toBe(
      payloadDigest({ attachmentIds: [], text: "hi" }),
    );
    const fields = {
      caseId: "c",
      seq: 1,
      type: "t",
      actor: "system",
      at: "2026-01-01T00:00:00.000Z",
      payloadDigest: "d",
    };
    expect(eventHash(GENESIS_HASH, fields)).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash(GENESIS_HASH, fields)).not.toBe(eventHash(GENESIS_HASH, { ...fields, seq: 2 }));
  });
});

describe.each(databases)("audit on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  let caseId: string;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
    // An untouched case first, so failures must name the right one.
    await submitReport({ store, keyring }, buildReport());
    ({ caseId } = await submitReport({ store, keyring }, buildReport({ attachments: [] })));
    for (const text of ["one", "two", "three"]) {
      await addReporterMessage({ store, keyring }, caseId, text, [], new Date("2026-11-26T10:00:00.000Z"));
    }
  });
  afterEach(async () => {
    await store.close();
  });

  const events = () => store.db.updateTable("case_events").where("case_id", "=", caseId);

  it("verifies every chain", async () => {
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 2, events: 7 });
  });

  it("detects a payload rewritten with a valid encryption", async () => {
    const forged = encryptText(
      keyring,
      canonicalJson({ text: "forged", attachmentIds: [] }),
      aad.event(caseId, 3),
    );
    await events().set({ payload_ct: forged }).where("seq", "=", 3).execute();
    expect(await verifyAuditChains(store, keyring)).toEqual({
      ok: false,
      caseId,
      seq: 3,
      reason: "hash does not match the event's contents",
    });
  });

  it("detects a payload copied from another event", async () => {
    const other = await store.db
      .selectFrom("case_events")
      .select("payload_ct")
      .where("case_id", "=", caseId)
      .where("seq", "=", 2)
      .executeTakeFirstOrThrow();
    await events().set({ payload_ct: other.payload_ct }).where("seq", "=", 4).execute();
    const result = await verifyAuditChains(store, keyring);
    expect(result).toMatchObject({ ok: false, caseId, seq: 4 });
    expect(result.ok ? "" : result.reason).toMatch(/^payload does not decrypt: cannot decrypt/);
  });

  it("detects changed metadata (actor, time, type)", async () => {
    for (const change of [
      { actor: "team:mallory" },
      { at: "2026-11-26T10:00:00.001Z" },
      { type: "case.received" },
    ]) {
      const original = await store.db
        .selectFrom("case_events")
        .select(["actor", "at", "type"])
        .where("case_id", "=", caseId)
        .where("seq", "=", 2)
        .executeTakeFirstOrThrow();
      await events().set(change).where("seq", "=", 2).execute();
      expect(await verifyAuditChains(store, keyring)).toMatchObject({ ok: false, caseId, seq: 2 });
      await events().set(original).where("seq", "=", 2).execute();
    }
    expect((await verifyAuditChains(store, keyring)).ok).toBe(true);
  });

  it("detects a deleted event in the middle, and at the end", async () => {
    await store.db.deleteFrom("case_events").where("case_id", "=", caseId).where("seq", "=", 4).execute();
    expect(await verifyAuditChains(store, keyring)).toEqual({
      ok: false,
      caseId,
      seq: 4,
      reason: "the case records 4 events, its log holds 3",
    });
    await store.db.deleteFrom("case_events").where("case_id", "=", caseId).where("seq", "=", 2).execute();
    expect(await verifyAuditChains(store, keyring)).toEqual({
      ok: false,
      caseId,
      seq: 2,
      reason: "event #2 is missing (the log jumps to #3)",
    });
  });

  it("detects a changed hash, and a changed case head", async () => {
    await events()
      .set({ hash: "f".repeat(64) })
      .where("seq", "=", 4)
      .execute();
    expect(await verifyAuditChains(store, keyring)).toMatchObject({
      ok: false,
      caseId,
      seq: 4,
      reason: "hash does not match the event's contents",
    });
    await events()
      .set({ hash: "f".repeat(64) })
      .where("seq", "=", 2)
      .execute();
    expect(await verifyAuditChains(store, keyring)).toMatchObject({ ok: false, caseId, seq: 2 });
  });

  it("detects a prev_hash pointing elsewhere and a rewritten case head", async () => {
    await events().set({ prev_hash: GENESIS_HASH }).where("seq", "=", 3).execute();
    expect(await verifyAuditChains(store, keyring)).toEqual({
      ok: false,
      caseId,
      seq: 3,
      reason: "prev_hash does not match event #2",
    });
    await events()
      .set({
        prev_hash: (eb) =>
          eb.selectFrom("case_events").select("hash").where("case_id", "=", caseId).where("seq", "=", 2),
      })
      .where("seq", "=", 3)
      .execute();
    await store.db
      .updateTable("cases")
      .set({ last_event_hash: GENESIS_HASH })
      .where("id", "=", caseId)
      .execute();
    expect(await verifyAuditChains(store, keyring)).toEqual({
      ok: false,
      caseId,
      seq: 4,
      reason: "the case's last_event_hash does not match its last event",
    });
  });

  it("detects reordered events", async () => {
    // Swap events 2 and 3 (through a free seq; the primary key forbids a direct swap).
    await events().set({ seq: 99 }).where("seq", "=", 2).execute();
    await events().set({ seq: 2 }).where("seq", "=", 3).execute();
    await events().set({ seq: 3 }).where("seq", "=", 99).execute();
    expect(await verifyAuditChains(store, keyring)).toMatchObject({ ok: false, caseId, seq: 2 });
  });
});
