import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assign } from "../../src/commands/assignment.js";
import { acknowledge } from "../../src/commands/conversation.js";
import { transition } from "../../src/commands/lifecycle.js";
import { updateTriage } from "../../src/commands/triage.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { type InboxFilter, listInbox } from "../../src/store/inbox.js";
import { currentSearchKey, termHash, titleWords } from "../../src/store/search-index.js";
import { InvalidCursorError } from "../../src/store/staff-errors.js";
import { caseFactsAt } from "../support/case-facts.js";
import { ALICE, AS_ALICE, BOB, buildCase, hours, seedCase, T0 } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

const MINUTE_MS = 60_000;
const minutes = (count: number) => new Date(T0.getTime() + count * MINUTE_MS);

describe.each(databases)("staff inbox on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  /** Six cases over two programs; `ids` maps their names to case ids. */
  async function seedInbox(): Promise<Record<"c1" | "c2" | "c3" | "c4" | "c5" | "c6", string>> {
    const at = hours(1);
    const c1 = await seedCase(store, keyring, {
      title: "Stored XSS in profile page",
      assetId: "app",
      source: "web",
      receivedAt: minutes(1),
      acknowledgeBy: hours(24),
    });
    await updateTriage(
      { store, keyring },
      c1.caseId,
      AS_ALICE,
      { severity: "high", tags: ["xss", "web"] },
      at,
    );
    await assign({ store, keyring }, c1.caseId, AS_ALICE, ALICE, at);

    const c2 = await seedCase(store, keyring, {
      title: "SQL injection in search API",
      assetId: "api",
      source: "api",
      receivedAt: minutes(2),
      acknowledgeBy: hours(12),
    });
    await updateTriage({ store, keyring }, c2.caseId, AS_ALICE, { severity: "critical", tags: ["sqli"] }, at);
    await assign({ store, keyring }, c2.caseId, AS_ALICE, BOB, at);
    await transition(
      { store, keyring },
      c2.caseId,
      AS_ALICE,
      { to: "triaged", noIncidentAllowed: false },
      at,
    );

    const c3 = await seedCase(store, keyring, {
      title: "Open redirect on login page",
      assetId: "app",
      source: "email",
      receivedAt: minutes(3),
      acknowledgeBy: hours(48),
    });
    await updateTriage({ store, keyring }, c3.caseId, AS_ALICE, { severity: "low", dueAt: hours(100) }, at);
    await acknowledge({ store, keyring }, c3.caseId, AS_ALICE, at);

    const c4 = await seedCase(store, keyring, {
      program: "globex",
      title: "XSS in the search box",
      assetId: "portal",
      source: "web",
      receivedAt: minutes(4),
      acknowledgeBy: hours(6),
    });
    await updateTriage({ store, keyring }, c4.caseId, AS_ALICE, { severity: "medium", tags: ["xss"] }, at);

    const c5 = await seedCase(store, keyring, {
      program: "globex",
      title: "Rate limiting missing",
      assetId: null,
      source: "api",
      receivedAt: minutes(5),
      acknowledgeBy: null,
    });

    const c6 = await seedCase(store, keyring, {
      title: "Profile page leaks email",
      assetId: "app",
      source: "web",
      receivedAt: minutes(6),
      acknowledgeBy: hours(30),
    });
    await transition(
      { store, keyring },
      c6.caseId,
      AS_ALICE,
      { to: "closed", outcome: "informative", noIncidentAllowed: false },
      at,
    );
    return {
      c1: c1.caseId,
      c2: c2.caseId,
      c3: c3.caseId,
      c4: c4.caseId,
      c5: c5.caseId,
      c6: c6.caseId,
    };
  }

  it("filters one by one and combined, sorted by what is due first", async () => {
    const ids = await seedInbox();
    const name = new Map(Object.entries(ids).map(([key, id]) => [id, key]));
    // Both ways of filtering by tag and words (src/store/inbox.ts COMMON_MATCHES): gathering a
    // rare one's matches, and checking each case for a common one while walking the order.
    for (const commonMatches of [undefined, 0]) {
      const list = async (filter: Partial<InboxFilter>) =>
        (
          await listInbox(store, keyring, {
            programs: "*",
            now: hours(20),
            limit: 50,
            commonMatches,
            ...filter,
          })
        ).rows.map((row) => name.get(row.id));

      // Due first (c4 at 6 h, c2 at 12 h, c1 at 24 h, c3 acknowledged so its own due date at 100 h),
      // then the cases with no open deadline (c5 has none, c6 is closed) by arrival.
      expect(await list({})).toEqual(["c4", "c2", "c1", "c3", "c5", "c6"]);
      expect(await list({ programs: ["acme"] })).toEqual(["c2", "c1", "c3", "c6"]);
      expect(await list({ programs: ["acme", "globex"] })).toEqual(["c4", "c2", "c1", "c3", "c5", "c6"]);
      expect(await list({ programs: [] })).toEqual([]);
      expect(await list({ programs: ["nosuch"] })).toEqual([]);
      expect(await list({ states: ["triaged"] })).toEqual(["c2"]);
      expect(await list({ states: ["new"] })).toEqual(["c4", "c1", "c3", "c5"]);
      expect(await list({ states: ["closed", "triaged"] })).toEqual(["c2", "c6"]);
      expect(await list({ severity: ["high", "critical"] })).toEqual(["c2", "c1"]);
      expect(await list({ severity: ["bogus"] })).toEqual([]);
      expect(await list({ assignee: ALICE })).toEqual(["c1"]);
      expect(await list({ assignee: BOB })).toEqual(["c2"]);
      expect(await list({ assignee: null })).toEqual(["c4", "c3", "c5", "c6"]);
      expect(await list({ asset: "app" })).toEqual(["c1", "c3", "c6"]);
      expect(await list({ source: "api" })).toEqual(["c2", "c5"]);
      expect(await list({ tag: "xss" })).toEqual(["c4", "c1"]);
      expect(await list({ tag: "XSS " })).toEqual(["c4", "c1"]);
      expect(await list({ overdue: true })).toEqual(["c4", "c2"]);
      expect(await list({ overdue: true, now: hours(25) })).toEqual(["c4", "c2", "c1"]);
      expect(await list({ overdue: false })).toEqual(["c1", "c3", "c5", "c6"]);
      expect(await list({ text: "xss" })).toEqual(["c4", "c1"]);
      expect(await list({ text: "Search" })).toEqual(["c4", "c2"]);
      expect(await list({ text: "XSS search" })).toEqual(["c4"]);
      expect(await list({ text: "profile page" })).toEqual(["c1", "c6"]);
      expect(await list({ text: "nonexistentword" })).toEqual([]);
      expect(await list({ text: "   " })).toEqual(["c4", "c2", "c1", "c3", "c5", "c6"]);

      // Combined.
      expect(await list({ programs: ["acme"], states: ["new"], text: "profile" })).toEqual(["c1"]);
      expect(await list({ tag: "xss", overdue: true })).toEqual(["c4"]);
      expect(await list({ programs: ["acme"], assignee: null, asset: "app" })).toEqual(["c3", "c6"]);
      expect(await list({ programs: ["globex"], source: "api", states: ["new"], overdue: false })).toEqual([
        "c5",
      ]);
      expect(await list({ severity: ["critical"], assignee: BOB, tag: "sqli", text: "injection" })).toEqual([
        "c2",
      ]);
      expect(await list({ severity: ["critical"], assignee: ALICE })).toEqual([]);
    }
  });

  it("gives every column of a row, with the title decrypted and the tags sorted", async () => {
    const ids = await seedInbox();
    const { rows } = await listInbox(store, keyring, { programs: ["acme"], now: hours(20), limit: 50 });
    const c1 = rows.find((row) => row.id === ids.c1);
    expect(c1).toEqual({
      id: ids.c1,
      program: "acme",
      number: 1,
      state: "new",
      title: "Stored XSS in profile page",
      severity: "high",
      priority: null,
      assignee: ALICE,
      assetId: "app",
      source: "web",
      tags: ["web", "xss"],
      receivedAt: minutes(1),
      acknowledgeBy: hours(24),
      acknowledgedAt: null,
      dueAt: null,
      nextDueAt: hours(24),
      authorityNotifyBy: null,
      authorityNotifiedAt: null,
      cvss31Score: null,
      cvss40Score: null,
      outcome: null,
      clockFacts: caseFactsAt(minutes(1), {
        severity: "high",
        fixReleasedAt: null,
        outcome: null,
        privacyIncidentAt: null,
        authorityNotifiedAt: null,
        dueAt: null,
      }),
    });
    const c3 = rows.find((row) => row.id === ids.c3);
    expect(c3).toMatchObject({ acknowledgedAt: hours(1), dueAt: hours(100), nextDueAt: hours(100) });
    const c6 = rows.find((row) => row.id === ids.c6);
    expect(c6).toMatchObject({ state: "closed", outcome: "informative", nextDueAt: null });
  });

  it("pages through every case once, in order, with ties and cases without a deadline", async () => {
    const count = 23;
    for (let i = 0; i < count; i += 1) {
      await seedCase(store, keyring, {
        title: `Case number ${i}`,
        // Two programs: a list of programs reads each one's page apart and merges them.
        program: i % 2 === 0 ? "acme" : "globex",
        // Ties on the deadline (five values and none) and on the arrival (every third at T0).
        acknowledgeBy: i % 4 === 3 ? null : hours(10 * (i % 5)),
        receivedAt: i % 3 === 0 ? T0 : minutes(i),
      });
    }
    const rows = await store.db.selectFrom("cases").select(["id", "next_due_at", "received_at"]).execute();
    const expected = [...rows]
      .sort(
        (a, b) =>
          compareNullsLast(a.next_due_at, b.next_due_at) ||
          a.received_at.localeCompare(b.received_at) ||
          a.id.localeCompare(b.id),
      )
      .map((row) => row.id);

    for (const limit of [1, 4, 7, 23, 50]) {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await listInbox(store, keyring, {
          programs: ["acme", "globex"],
          now: T0,
          limit,
          ...(after === undefined ? {} : { after }),
        });
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        seen.push(...page.rows.map((row) => row.id));
        after = page.next;
        pages += 1;
      } while (after !== undefined);
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(count);
      expect(pages).toBe(Math.max(1, Math.ceil(count / limit)));
    }

    // Pagination composes with filters: the not-overdue cases, three at a time.
    const filtered: string[] = [];
    let after: string | undefined;
    do {
      const page = await listInbox(store, keyring, {
        programs: "*",
        overdue: false,
        now: hours(15),
        limit: 3,
        ...(after === undefined ? {} : { after }),
      });
      filtered.push(...page.rows.map((row) => row.id));
      after = page.next;
    } while (after !== undefined);
    const notOverdue = new Set(
      rows
        .filter((row) => row.next_due_at === null || row.next_due_at >= hours(15).toISOString())
        .map((r) => r.id),
    );
    expect(filtered).toEqual(expected.filter((id) => notOverdue.has(id)));
  });

  it("refuses a cursor it did not make", async () => {
    await seedCase(store, keyring);
    for (const after of ["garbage", Buffer.from('["x","y","z"]').toString("base64url"), ""]) {
      await expect(listInbox(store, keyring, { programs: "*", now: T0, limit: 10, after })).rejects.toThrow(
        InvalidCursorError,
      );
    }
  });

  it("searches titles through keyed hashes: the words themselves never reach the database", async () => {
    const word = "Zanzibarquux";
    const { caseId } = await seedCase(store, keyring, { title: `Heap overflow in ${word} parser` });
    await seedCase(store, keyring, { title: "Something else entirely" });
    const found = await listInbox(store, keyring, {
      programs: "*",
      now: T0,
      limit: 10,
      text: word.toLowerCase(),
    });
    expect(found.rows.map((row) => row.id)).toEqual([caseId]);
    expect(found.rows[0]?.title).toBe(`Heap overflow in ${word} parser`);
    // Accents and case fold: "ZÄNZIBARQUUX" is the same word.
    const folded = await listInbox(store, keyring, {
      programs: "*",
      now: T0,
      limit: 10,
      text: "ZÄNZIBARQUUX",
    });
    expect(folded.rows.map((row) => row.id)).toEqual([caseId]);

    const key = await currentSearchKey(store, keyring);
    const terms = await store.db
      .selectFrom("case_title_terms")
      .select("term_hash")
      .where("case_id", "=", caseId)
      .execute();
    // One row per distinct word of the title and of the report's texts (its fields, its credit).
    const { fields, credit } = buildCase();
    const texts = [
      `Heap overflow in ${word} parser`,
      ...Object.values(fields),
      credit.name ?? "",
      credit.link ?? "",
    ];
    expect(terms.map((term) => term.term_hash).sort()).toEqual(
      [...new Set(texts.flatMap((text) => titleWords(text)))].map((w) => termHash(key, w)).sort(),
    );
    expect(terms.every((term) => /^[0-9a-f]{32}$/.test(term.term_hash))).toBe(true);

    // No table holds the word, in any case (a dump of every row of every table).
    const tables = (await store.db.introspection.getTables()).filter(
      (table) => store.schema === undefined || table.schema === store.schema,
    );
    for (const table of tables) {
      const rows = await store.db
        .selectFrom(table.name as "cases")
        .selectAll()
        .execute();
      expect(JSON.stringify(rows).toLowerCase()).not.toContain(word.toLowerCase());
    }
    if (store.dialect === "sqlite") {
      const bytes = Buffer.concat(
        await Promise.all(
          [store.location, `${store.location}-wal`].map((file) =>
            readFile(file).catch(() => Buffer.alloc(0)),
          ),
        ),
      );
      expect(bytes.toString("latin1").toLowerCase()).not.toContain(word.toLowerCase());
    }
  });
});

function compareNullsLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a.localeCompare(b);
}
