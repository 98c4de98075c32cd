import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addInternalNote, replyToReporter } from "../../src/commands/conversation.js";
import { addReporterMessage } from "../../src/commands/reporter-message.js";
import { rotateDataKey } from "../../src/commands/rotate-keys.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import type { Store } from "../../src/store/database.js";
import { listInbox } from "../../src/store/inbox.js";
import { migrate, migrateDown } from "../../src/store/migrate.js";
import {
  backfillSearchIndex,
  currentSearchKey,
  SEARCH_INDEX_VERSION,
  searchWords,
  termHashes,
} from "../../src/store/search-index.js";
import { AS_ALICE, hours, seedCase, T0 } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

/**
 * Issue 15, "Search finds titles only": the blind index (src/store/search-index.ts) holds the
 * words of the report's texts and of the conversation too: the title at intake as before, each
 * message, reply and note as its event is appended, the rest of a new report (and everything of a
 * case from before) by the pass every text search and the server's start run first. The words
 * are made up, so only the case that has one can match it.
 */
const TITLE = "Heap overflow in the image parser";
const BODY = "The quokkafield length is trusted; see numbatstep two.";
const MESSAGE = "Any news? I also found the wombatmessage variant.";
const REPLY = "Thanks, the dingoreply fix is in review.";
const NOTE = "Internal: the bilbynote team owns this parser.";
const WORDS = ["quokkafield", "numbatstep", "wombatmessage", "dingoreply", "bilbynote"];

describe("search words", () => {
  it("cap a text at 1,000 distinct words, the first ones, each cut to 64 characters", () => {
    const many = Array.from({ length: 3000 }, (_, index) => `w${index}`).join(" ");
    const words = searchWords(many);
    expect(words).toHaveLength(1000);
    expect(words.at(-1)).toBe("w999");
    expect(searchWords(`${"a".repeat(100)} b`)).toEqual(["a".repeat(64), "b"]);
  });
});

describe.each(databases)("report and conversation search on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  let masterKey: Buffer;
  beforeEach(async () => {
    ({ store, keyring, masterKey } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  const search = async (text: string, on: Store = store, ring = keyring) =>
    (await listInbox(on, ring, { programs: "*", now: T0, limit: 50, text })).rows.map((row) => row.id).sort();

  const termCount = async (caseId: string) =>
    Number(
      (
        await store.db
          .selectFrom("case_title_terms")
          .select((eb) => eb.fn.countAll<number>().as("count"))
          .where("case_id", "=", caseId)
          .executeTakeFirstOrThrow()
      ).count,
    );
  const versionOf = async (caseId: string) =>
    (
      await store.db
        .selectFrom("cases")
        .select("search_index_version")
        .where("id", "=", caseId)
        .executeTakeFirstOrThrow()
    ).search_index_version;

  /** A case with a word in each of its texts, through the commands the doors call. */
  async function seedTalkedCase(title = TITLE): Promise<string> {
    const deps = { store, keyring };
    const { caseId } = await seedCase(store, keyring, {
      title,
      fields: { description: BODY, impact: "Remote code execution" },
    });
    await addReporterMessage(deps, caseId, MESSAGE, [], hours(1));
    await replyToReporter(deps, caseId, AS_ALICE, REPLY, [], hours(2));
    await addInternalNote(deps, caseId, AS_ALICE, NOTE, hours(3));
    return caseId;
  }

  it("finds a case by a word of its report, a reporter's message, a team reply or a note, and by its title as before", async () => {
    const caseId = await seedTalkedCase();
    const other = await seedCase(store, keyring, { title: "Open redirect on login" });
    for (const word of WORDS) expect(await search(word), word).toEqual([caseId]);
    // Folded as titles are: case and accents do not matter.
    expect(await search("QUÖKKAFIELD")).toEqual([caseId]);
    // A title word finds the case exactly as before, and only words of that title find the other.
    expect(await search("image parser")).toEqual([caseId]);
    expect(await search("redirect")).toEqual([other.caseId]);
    // The reporter's name (credit) is a text of the report too; both cases are Ada's.
    expect(await search("lovelace")).toEqual([caseId, other.caseId].sort());
  });

  it("finds nothing for a word in no case, and needs every word", async () => {
    const caseId = await seedTalkedCase();
    const other = await seedCase(store, keyring, {
      title: "Open redirect on login",
      fields: { description: "The platypusbody parameter is not checked." },
    });
    expect(await search("echidnanowhere")).toEqual([]);
    // Every word, from anywhere in the case: title, report, message, reply and note at once.
    expect(await search("parser quokkafield wombatmessage dingoreply bilbynote")).toEqual([caseId]);
    // One word in each of two cases: neither has both.
    expect(await search("quokkafield platypusbody")).toEqual([]);
    expect(await search("platypusbody redirect")).toEqual([other.caseId]);
    expect(await search("bilbynote echidnanowhere")).toEqual([]);
  });

  it("stores every word only as a keyed hash: no table, and no byte of the SQLite file, holds one", async () => {
    const caseId = await seedTalkedCase();
    expect(await search("quokkafield")).toEqual([caseId]);
    const rows = await store.db
      .selectFrom("case_title_terms")
      .select("term_hash")
      .where("case_id", "=", caseId)
      .execute();
    expect(rows.every((row) => /^[0-9a-f]{32}$/.test(row.term_hash))).toBe(true);
    const key = await currentSearchKey(store, keyring);
    const stored = new Set(rows.map((row) => row.term_hash));
    for (const word of WORDS) expect(stored.has(termHashes(key, word)[0] ?? "")).toBe(true);

    const tables = (await store.db.introspection.getTables()).filter(
      (table) => store.schema === undefined || table.schema === store.schema,
    );
    for (const table of tables) {
      const dump = JSON.stringify(
        await store.db
          .selectFrom(table.name as "cases")
          .selectAll()
          .execute(),
      ).toLowerCase();
      for (const word of WORDS) expect(dump, `${table.name} holds ${word}`).not.toContain(word);
    }
    if (store.dialect === "sqlite") {
      const files = await Promise.all(
        [store.location, `${store.location}-wal`].map((file) => readFile(file).catch(() => Buffer.alloc(0))),
      );
      const bytes = Buffer.concat(files).toString("latin1").toLowerCase();
      for (const word of WORDS) expect(bytes).not.toContain(word);
    }
  });

  it("keeps a huge text to its caps and still finds its first words and its long ones", async () => {
    const long = "x".repeat(100);
    const many = Array.from({ length: 3000 }, (_, index) => `filler${index}`).join(" ");
    const { caseId } = await seedCase(store, keyring, {
      title: "Huge",
      fields: { description: `${long} ${many}`, impact: "none" },
      credit: { mode: "anonymous" },
    });
    expect(await search(long)).toEqual([caseId]);
    expect(await search("filler998")).toEqual([caseId]);
    expect(await search("filler2999")).toEqual([]);
    // The title's word, 1,000 of the description's, and the impact's.
    expect(await termCount(caseId)).toBe(1 + 1000 + 1);
  });

  it("indexes a new report before the next search, title and all, and its messages as they come", async () => {
    const { caseId } = await seedCase(store, keyring, {
      title: TITLE,
      fields: { description: BODY, impact: "Remote code execution" },
    });
    // Intake wrote no terms (off its hot path) and left the case pending.
    expect(await termCount(caseId)).toBe(0);
    expect(await versionOf(caseId)).toBeNull();
    // A message is indexed in its own transaction, pending case or not.
    await addReporterMessage({ store, keyring }, caseId, MESSAGE, [], hours(1));
    expect(await termCount(caseId)).toBeGreaterThan(0);
    // The search indexes the pending report first, so it finds the title's and the body's words.
    expect(await search(TITLE)).toEqual([caseId]);
    expect(await search("quokkafield")).toEqual([caseId]);
    expect(await versionOf(caseId)).toBe(SEARCH_INDEX_VERSION);
    const indexed = await termCount(caseId);
    // Later messages go straight in; the next search has nothing left to index.
    await replyToReporter({ store, keyring }, caseId, AS_ALICE, REPLY, [], hours(2));
    expect(await termCount(caseId)).toBeGreaterThan(indexed);
    expect(await versionOf(caseId)).toBe(SEARCH_INDEX_VERSION);
    expect(await search("dingoreply wombatmessage quokkafield")).toEqual([caseId]);
    expect(await backfillSearchIndex(store, keyring)).toBe(0);
  });

  it("still searches when a pending case's report cannot be read, and leaves that case pending", async () => {
    const good = await seedCase(store, keyring, { title: "Good one", fields: { description: BODY } });
    const damaged = await seedCase(store, keyring, { title: "Damaged one", fields: { description: BODY } });
    // Another case's ciphertext: bound to that case, it fails to decrypt here.
    const other = await store.db
      .selectFrom("cases")
      .select("report_ct")
      .where("id", "=", good.caseId)
      .executeTakeFirstOrThrow();
    await store.db
      .updateTable("cases")
      .set({ report_ct: other.report_ct })
      .where("id", "=", damaged.caseId)
      .execute();
    expect(await search("quokkafield")).toEqual([good.caseId]);
    expect(await search("good")).toEqual([good.caseId]);
    expect(await versionOf(damaged.caseId)).toBeNull();
    expect(await versionOf(good.caseId)).toBe(SEARCH_INDEX_VERSION);
  });

  it("keeps finding the report's and conversation's words after a data key rotation", async () => {
    const caseId = await seedTalkedCase();
    await rotateDataKey(store, masterKey, { batchSize: 2 });
    // Another handle (no cached search key) with the rotated keyring.
    const other = await store.reopen();
    try {
      const ring = await loadKeyring(other, masterKey);
      for (const word of WORDS) expect(await search(word, other, ring), word).toEqual([caseId]);
      // And a message after the rotation is indexed with the same (re-encrypted) key.
      await addReporterMessage(
        { store: other, keyring: ring },
        caseId,
        "The kiwiafter detail.",
        [],
        hours(4),
      );
      expect(await search("kiwiafter", other, ring)).toEqual([caseId]);
      expect(await search("kiwiafter")).toEqual([caseId]);
    } finally {
      await other.close();
    }
  });

  it("backfills the report and conversation of cases indexed before (titles only), once, from two instances at once", async () => {
    const ids = [await seedTalkedCase(), await seedTalkedCase("Second case"), await seedTalkedCase("Third")];
    // Back to the index before this work: titles only, and no version column.
    const key = await currentSearchKey(store, keyring);
    for (const [index, title] of [TITLE, "Second case", "Third"].entries()) {
      const caseId = ids[index] ?? "";
      await store.db.deleteFrom("case_title_terms").where("case_id", "=", caseId).execute();
      await store.db
        .insertInto("case_title_terms")
        .values(termHashes(key, title).map((hash) => ({ case_id: caseId, term_hash: hash })))
        .execute();
    }
    let undone: string | undefined;
    do undone = await migrateDown(store);
    while (undone !== "2026121320_search_body" && undone !== undefined);
    expect(undone).toBe("2026121320_search_body");
    await migrate(store);
    const versions = await store.db.selectFrom("cases").select("search_index_version").execute();
    expect(versions.map((row) => row.search_index_version)).toEqual([null, null, null]);
    expect(await termCount(ids[1] ?? "")).toBe(2);

    // Two instances starting together (PostgreSQL; SQLite's instances take turns).
    const other = await store.reopen();
    try {
      const otherRing = await loadKeyring(other, masterKey);
      const runs =
        store.dialect === "postgres"
          ? await Promise.all([
              backfillSearchIndex(store, keyring, { batchSize: 1 }),
              backfillSearchIndex(other, otherRing, { batchSize: 2 }),
            ])
          : [
              await backfillSearchIndex(store, keyring, { batchSize: 1 }),
              await backfillSearchIndex(other, otherRing, { batchSize: 2 }),
            ];
      expect(runs.reduce((sum, count) => sum + count, 0)).toBe(3);
    } finally {
      await other.close();
    }
    for (const word of WORDS) expect(await search(word), word).toEqual([...ids].sort());
    expect(await search("second")).toEqual([ids[1]]);
    const after = await store.db.selectFrom("cases").select("search_index_version").execute();
    expect(after.map((row) => row.search_index_version)).toEqual([
      SEARCH_INDEX_VERSION,
      SEARCH_INDEX_VERSION,
      SEARCH_INDEX_VERSION,
    ]);
    // Done once: the next start has nothing to do.
    expect(await backfillSearchIndex(store, keyring)).toBe(0);
  });
});
