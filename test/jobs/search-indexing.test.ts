import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { SEARCH_INDEX_SWEEP_MS } from "../../src/jobs/runner.js";
import { SEARCH_INDEX_VERSION } from "../../src/store/search-index.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport } from "../support/workspace.js";

/**
 * Intake indexes nothing (src/store/search-index.ts); the job runner indexes new reports, title
 * and all, between searches, a batch at a time, so the first search after a burst does not do it
 * all.
 */
describe.each(databases)("the job runner indexes new reports for search on $name", (database) => {
  let t: TestApp;
  let jobs: JobRunner;
  beforeEach(async () => {
    t = await startTestApp(() => database.open());
    jobs = jobsFor(t, undefined);
  });
  afterEach(async () => {
    await jobs.stop();
    await t.close();
  });

  const versions = async () =>
    (
      await t.store.db.selectFrom("cases").select("search_index_version").orderBy("received_at").execute()
    ).map((row) => row.search_index_version);

  it("indexes reports taken in since, at its first pass and then once per sweep interval", async () => {
    await fileReport(t, "kitsu", { title: "First", fields: { description: "The okapibody header." } });
    expect(await versions()).toEqual([null]);

    await jobs.drain();
    expect(await versions()).toEqual([SEARCH_INDEX_VERSION]);

    // A report before the interval has passed waits for the next sweep (or the next search).
    await fileReport(t, "kitsu", { title: "Second", fields: { description: "Another body." } });
    await jobs.drain();
    expect(await versions()).toEqual([SEARCH_INDEX_VERSION, null]);
    t.clock.set(new Date(t.clock.now().getTime() + SEARCH_INDEX_SWEEP_MS));
    await jobs.drain();
    expect(await versions()).toEqual([SEARCH_INDEX_VERSION, SEARCH_INDEX_VERSION]);
  });
});
