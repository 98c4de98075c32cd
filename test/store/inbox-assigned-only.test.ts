import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createUser } from "../../src/auth/users.js";
import { assign } from "../../src/commands/assignment.js";
import { setConfidentiality } from "../../src/commands/confidentiality.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { type InboxFilter, listInbox } from "../../src/store/inbox.js";
import { ALICE, AS_ALICE, BOB, hours, seedCase } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

/**
 * The inbox of a member limited to assigned cases on a program (issue 16: an outside contractor):
 * on that program only the cases assigned to them or to a team group of theirs are listed, found
 * by search or by number; the other programs' cases are as for anyone else.
 */
describe.each(databases)("inbox limited to assigned cases on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  async function seed(): Promise<Map<string, string>> {
    const at = hours(1);
    const names = new Map<string, string>();
    const add = async (name: string, program: string, assignee: string | null) => {
      const { caseId } = await seedCase(store, keyring, { program, title: `Leaky widget ${name}` });
      if (assignee !== null) await assign({ store, keyring }, caseId, AS_ALICE, assignee, at);
      names.set(caseId, name);
    };
    await add("mine", "acme", ALICE);
    await add("team", "acme", "group:contractors");
    await add("bobs", "acme", BOB);
    await add("nobodys", "acme", null);
    await add("globex", "globex", null);
    return names;
  }

  const reach = { acme: [ALICE, "group:contractors"] };

  it("lists, searches and numbers only the member's cases on the limited program", async () => {
    const names = await seed();
    const list = async (filter: Partial<InboxFilter>) =>
      (
        await listInbox(store, keyring, { programs: ["acme", "globex"], now: hours(2), limit: 50, ...filter })
      ).rows
        .map((row) => names.get(row.id))
        .sort();

    expect(await list({})).toEqual(["bobs", "globex", "mine", "nobodys", "team"]);
    expect(await list({ assignedOnly: reach })).toEqual(["globex", "mine", "team"]);
    // Search: every case has the word, only theirs come back.
    expect(await list({ assignedOnly: reach, text: "leaky widget" })).toEqual(["globex", "mine", "team"]);
    expect(await list({ assignedOnly: reach, text: "bobs" })).toEqual([]);
    // Filters narrow within what they may see, never beyond it.
    expect(await list({ assignedOnly: reach, assignee: BOB })).toEqual([]);
    expect(await list({ assignedOnly: reach, assignee: null })).toEqual(["globex"]);
    expect(await list({ assignedOnly: reach, programs: ["acme"], number: 1 })).toEqual(["mine"]);
    expect(await list({ assignedOnly: reach, programs: ["acme"], number: 3 })).toEqual([]);
    // Nothing assigned to them: nothing of that program at all.
    expect(await list({ assignedOnly: { acme: [] } })).toEqual(["globex"]);
    expect(await list({ assignedOnly: { acme: [ALICE] }, programs: ["acme"] })).toEqual(["mine"]);
  });

  it("lists, searches and numbers a confidential case only for the members named on it", async () => {
    const names = await seed();
    const member = async (email: string) =>
      (
        await createUser(store, {
          email,
          memberships: [{ program: "acme", role: "admin" }],
          actor: "test",
          now: hours(1),
        })
      ).userId;
    const [carol, dave] = [await member("carol@example.org"), await member("dave@example.org")];
    const mine = [...names].find(([, name]) => name === "mine")![0];
    await setConfidentiality(
      { store, keyring },
      mine,
      `team:${carol}`,
      { confidential: true, members: [] },
      hours(1),
    );
    const list = async (filter: Partial<InboxFilter>) =>
      (await listInbox(store, keyring, { programs: ["acme"], now: hours(2), limit: 50, ...filter })).rows
        .map((row) => names.get(row.id))
        .sort();

    expect(await list({ member: carol })).toEqual(["bobs", "mine", "nobodys", "team"]);
    expect(await list({ member: dave })).toEqual(["bobs", "nobodys", "team"]);
    expect(await list({ member: dave, text: "leaky widget mine" })).toEqual([]);
    expect(await list({ member: dave, number: 1 })).toEqual([]);
    expect(await list({ member: carol, number: 1 })).toEqual(["mine"]);
    // Without a member (the CLI, an audit): every case.
    expect(await list({})).toEqual(["bobs", "mine", "nobodys", "team"]);
  });
});
