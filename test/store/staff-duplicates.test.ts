import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { transition } from "../../src/commands/lifecycle.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { CaseNotFoundError } from "../../src/store/cases.js";
import {
  DUPLICATE_TEXT_BYTES,
  duplicateCandidates,
  utf8Prefix,
} from "../../src/store/duplicate-candidates.js";
import { AS_ALICE, hours, seedCase, T0 } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

const DAY_MS = 86_400_000;
const daysAgo = (count: number) => new Date(T0.getTime() - count * DAY_MS);

describe("utf8Prefix", () => {
  it("cuts between characters, never inside one", () => {
    expect(utf8Prefix("abc", 10)).toBe("abc");
    expect(utf8Prefix("abcdef", 3)).toBe("abc");
    expect(utf8Prefix("aé", 2)).toBe("a"); // é is two bytes
    expect(utf8Prefix("a😀b", 4)).toBe("a");
    expect(utf8Prefix("a😀b", 5)).toBe("a😀");
  });
});

describe.each(databases)("duplicate candidates on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  it("gives recent and open cases of the program, same asset first, with title and the text's opening", async () => {
    const target = await seedCase(store, keyring, { title: "XSS in bio", assetId: "app", receivedAt: T0 });
    const sameAssetOld = await seedCase(store, keyring, {
      title: "Bio field XSS",
      assetId: "app",
      receivedAt: daysAgo(30),
      fields: { description: "é".repeat(3000), impact: "x" },
    });
    const sameAssetNew = await seedCase(store, keyring, {
      title: "Newer",
      assetId: "app",
      receivedAt: daysAgo(1),
    });
    const otherAsset = await seedCase(store, keyring, {
      title: "API bug",
      assetId: "api",
      receivedAt: daysAgo(2),
    });
    const noAsset = await seedCase(store, keyring, {
      title: "Unsorted",
      assetId: null,
      receivedAt: daysAgo(3),
    });
    // Left out: another program; an old closed case; a case closed as a duplicate.
    await seedCase(store, keyring, { program: "globex", assetId: "app", receivedAt: daysAgo(1) });
    const oldClosed = await seedCase(store, keyring, { assetId: "app", receivedAt: daysAgo(400) });
    await transition(
      { store, keyring },
      oldClosed.caseId,
      AS_ALICE,
      { to: "closed", outcome: "informative", noIncidentAllowed: false },
      hours(1),
    );
    const dup = await seedCase(store, keyring, { assetId: "app", receivedAt: daysAgo(5) });
    await transition(
      { store, keyring },
      dup.caseId,
      AS_ALICE,
      { to: "closed", outcome: "duplicate", duplicateOf: sameAssetOld.caseId, noIncidentAllowed: false },
      hours(1),
    );
    // An old case that is still open is a candidate.
    const oldOpen = await seedCase(store, keyring, {
      title: "Ancient",
      assetId: "api",
      receivedAt: daysAgo(500),
    });

    const candidates = await duplicateCandidates(store, keyring, target.caseId, 10);
    expect(candidates.map((c) => c.id)).toEqual([
      sameAssetNew.caseId,
      sameAssetOld.caseId,
      otherAsset.caseId,
      noAsset.caseId,
      oldOpen.caseId,
    ]);
    const old = candidates[1];
    expect(old).toMatchObject({ title: "Bio field XSS", assetId: "app", receivedAt: daysAgo(30) });
    expect(Buffer.byteLength(old?.text ?? "")).toBeLessThanOrEqual(DUPLICATE_TEXT_BYTES);
    expect(old?.text).toBe("é".repeat(DUPLICATE_TEXT_BYTES / 2));
    expect(candidates[2]?.text).toBe("The bio field renders HTML.\nSteps: …\n\nAccount takeover");

    expect((await duplicateCandidates(store, keyring, target.caseId, 3)).map((c) => c.id)).toEqual([
      sameAssetNew.caseId,
      sameAssetOld.caseId,
      otherAsset.caseId,
    ]);
    expect(await duplicateCandidates(store, keyring, target.caseId, 0)).toEqual([]);
    await expect(duplicateCandidates(store, keyring, "nosuchcase", 5)).rejects.toThrow(CaseNotFoundError);
  });
});
