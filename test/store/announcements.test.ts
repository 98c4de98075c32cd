import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertAnnouncement } from "../../src/store/announcements.js";
import { seedCase } from "../support/case-work.js";
import { databases } from "../support/databases.js";
import { openReadyStore, type ReadyStore } from "../support/reports.js";

/**
 * Two cases publishing the same address at once: the check before the insert cannot see the other
 * transaction, so the unique index decides, and the later insert reports that it wrote nothing
 * (its command then throws and keeps nothing of the publication).
 */
describe.each(databases)("published announcements on $name", (database) => {
  let ready: ReadyStore;
  beforeEach(async () => {
    ready = await openReadyStore(database);
  });
  afterEach(async () => {
    await ready.store.close();
  });

  it("keeps one announcement per slug of a program, and says so to the one that came second", async () => {
    const { store, keyring } = ready;
    const first = await seedCase(store, keyring, { program: "kitsu" });
    const second = await seedCase(store, keyring, { program: "kitsu" });
    const row = (id: string, caseId: string) => ({
      id,
      program: "kitsu",
      slug: "session-tokens",
      case_id: caseId,
      title: "Session tokens",
      body: "Fixed.",
      published_at: "2026-12-07T10:00:00.000Z",
    });
    expect(await store.transaction((trx) => insertAnnouncement(trx, row("a1", first.caseId)))).toBe(true);
    expect(await store.transaction((trx) => insertAnnouncement(trx, row("a2", second.caseId)))).toBe(false);
    const rows = await store.db.selectFrom("announcements").select(["id", "case_id"]).execute();
    expect(rows).toEqual([{ id: "a1", case_id: first.caseId }]);
  });
});
