import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHALLENGE_TTL_MS, saveChallenge, takeChallenge } from "../../src/auth/passkey-challenges.js";
import {
  addPasskey,
  findPasskey,
  hasPasskeys,
  listPasskeys,
  MAX_PASSKEYS,
  recordPasskeyUse,
  removePasskey,
  renamePasskey,
} from "../../src/auth/passkeys.js";
import { readSecurityLog, verifySecurityLog } from "../../src/auth/security-log.js";
import { createUser } from "../../src/auth/users.js";
import { migrate } from "../../src/store/migrate.js";
import { databases, type TestStore } from "../support/databases.js";

const NOW = new Date("2026-12-13T10:00:00Z");
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe.each(databases)("passkey storage on $name", (database) => {
  let store: TestStore;
  let ana: string;
  let ben: string;
  beforeEach(async () => {
    store = await database.open();
    await migrate(store);
    const user = async (email: string) =>
      (
        await createUser(store, {
          email,
          memberships: [{ program: "kafe", role: "responder" }],
          actor: "test",
          now: NOW,
        })
      ).userId;
    ana = await user("ana@example.org");
    ben = await user("ben@example.org");
  });
  afterEach(async () => {
    await store.close();
  });

  const passkey = (userId: string, id: string, name: string, counter = 0) => ({
    userId,
    id,
    publicKey: "pQECAyYgASFYIA",
    counter,
    transports: ["usb", "nfc"] as const,
    name,
    now: NOW,
  });

  it("keeps several passkeys per member, renames and removes only the member's own, and logs each change", async () => {
    expect(await hasPasskeys(store, ana)).toBe(false);
    expect(await addPasskey(store, passkey(ana, "AAAA", "Laptop"))).toBe("added");
    expect(await addPasskey(store, { ...passkey(ana, "BBBB", "Key"), now: later(1000) })).toBe("added");
    expect(await addPasskey(store, passkey(ben, "CCCC", "Phone"))).toBe("added");
    // A credential id names one passkey, whoever tries to store it again.
    expect(await addPasskey(store, passkey(ben, "AAAA", "Stolen id"))).toBe("exists");
    expect(await hasPasskeys(store, ana)).toBe(true);
    expect((await listPasskeys(store, ana)).map((p) => [p.id, p.name, p.transports, p.lastUsedAt])).toEqual([
      ["AAAA", "Laptop", ["usb", "nfc"], null],
      ["BBBB", "Key", ["usb", "nfc"], null],
    ]);

    expect(await renamePasskey(store, { userId: ana, id: "AAAA", name: "Old laptop", now: NOW })).toBe(true);
    expect(await renamePasskey(store, { userId: ana, id: "CCCC", name: "Mine", now: NOW })).toBe(false);
    expect(await removePasskey(store, { userId: ana, id: "CCCC", now: NOW })).toBe(false);
    expect((await findPasskey(store, "CCCC"))?.name).toBe("Phone");
    expect(await removePasskey(store, { userId: ana, id: "BBBB", now: NOW })).toBe(true);
    expect((await listPasskeys(store, ana)).map((p) => p.name)).toEqual(["Old laptop"]);

    const log = await readSecurityLog(store, { subject: ana, order: "asc" });
    expect(log.filter((e) => e.type.startsWith("passkey.")).map((e) => [e.type, e.payload])).toEqual([
      ["passkey.added", { passkey: "AAAA", name: "Laptop" }],
      ["passkey.added", { passkey: "BBBB", name: "Key" }],
      ["passkey.renamed", { passkey: "AAAA", from: "Laptop", to: "Old laptop" }],
      ["passkey.removed", { passkey: "BBBB", name: "Key" }],
    ]);
    expect(await verifySecurityLog(store)).toMatchObject({ ok: true });
  });

  it(`stores at most ${MAX_PASSKEYS} passkeys per member`, async () => {
    for (let i = 0; i < MAX_PASSKEYS; i += 1)
      expect(await addPasskey(store, passkey(ana, `key${i}`, `Key ${i}`))).toBe("added");
    expect(await addPasskey(store, passkey(ana, "one-more", "One more"))).toBe("too-many");
    expect(await addPasskey(store, passkey(ben, "one-more", "Ben's"))).toBe("added");
  });

  it("moves the signature counter only from the value it was read at, and keeps counters past 2^31", async () => {
    await addPasskey(store, passkey(ana, "AAAA", "Laptop", 3_000_000_000));
    expect((await findPasskey(store, "AAAA"))?.counter).toBe(3_000_000_000);
    expect(
      await recordPasskeyUse(store, {
        id: "AAAA",
        counterBefore: 3_000_000_000,
        counter: 3_000_000_001,
        now: NOW,
      }),
    ).toBe(true);
    // A second sign-in that read the same counter lost the race: one of the two is a copy.
    expect(
      await recordPasskeyUse(store, {
        id: "AAAA",
        counterBefore: 3_000_000_000,
        counter: 3_000_000_001,
        now: NOW,
      }),
    ).toBe(false);
    expect(await findPasskey(store, "AAAA")).toMatchObject({
      counter: 3_000_000_001,
      lastUsedAt: NOW.toISOString(),
    });
  });

  it("takes a challenge once, only for the browser and purpose it was given to, and not after it expires", async () => {
    const save = (challenge: string, purpose: "register" | "sign-in", bindingHash: string, at = NOW) =>
      saveChallenge(store, {
        challenge,
        purpose,
        bindingHash,
        userId: purpose === "register" ? ana : null,
        now: at,
      });
    await save("c1", "sign-in", "browser-a");
    expect(
      await takeChallenge(store, { challenge: "c1", purpose: "sign-in", bindingHash: "browser-b", now: NOW }),
    ).toBe(undefined);
    expect(
      await takeChallenge(store, {
        challenge: "c1",
        purpose: "register",
        bindingHash: "browser-a",
        now: NOW,
      }),
    ).toBe(undefined);
    expect(
      await takeChallenge(store, { challenge: "c1", purpose: "sign-in", bindingHash: "browser-a", now: NOW }),
    ).toEqual({
      userId: null,
    });
    // Once.
    expect(
      await takeChallenge(store, { challenge: "c1", purpose: "sign-in", bindingHash: "browser-a", now: NOW }),
    ).toBe(undefined);

    await save("c2", "register", "session-a");
    expect(
      await takeChallenge(store, {
        challenge: "c2",
        purpose: "register",
        bindingHash: "session-a",
        now: later(CHALLENGE_TTL_MS),
      }),
    ).toBe(undefined);

    // A browser's new challenge replaces its unfinished one; the table never holds the challenge itself.
    await save("c3", "register", "session-a");
    await save("c4", "register", "session-a");
    expect(
      await takeChallenge(store, {
        challenge: "c3",
        purpose: "register",
        bindingHash: "session-a",
        now: NOW,
      }),
    ).toBe(undefined);
    const rows = await store.db.selectFrom("webauthn_challenges").selectAll().execute();
    expect(rows.map((r) => r.challenge_hash)).not.toContain("c4");
    expect(
      await takeChallenge(store, {
        challenge: "c4",
        purpose: "register",
        bindingHash: "session-a",
        now: NOW,
      }),
    ).toEqual({
      userId: ana,
    });
  });
});
