import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Keyring } from "../../src/crypto/keyring.js";
import { type InboxFilter, listInbox, planWords } from "../../src/store/inbox.js";
import { currentSearchKey, indexPendingCases, termHashes } from "../../src/store/search-index.js";
import { hours, seedCase, T0 } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

/**
 * Several words in one search (src/store/inbox.ts planWords): the inbox gathers the rarest word's
 * cases, or the cases with all the words when every word is common but they are rare together, or
 * walks its order when they are common together too. Small data goes each way through
 * `commonMatches`; every way must give the same cases in the same order.
 */
describe.each(databases)("inbox search by several words on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  // Words no default report field has (test/support/reports.ts), so only the titles match.
  // quokka: k1 k2 k3 k4 k7 (5); ferret: k1 k2 k5 k6 k7 (5); narwhal: k1 k7 k8 (3);
  // pangolin: k3 k4 k5 k6 (4); dingo: k1 k3 k5 k8 (4). quokka and ferret together: k1 k2 k7; the
  // three first: k1 k7; pangolin and dingo: k3 k5, with quokka too: k3.
  const TITLES = {
    k1: "quokka ferret narwhal dingo",
    k2: "quokka ferret",
    k3: "quokka pangolin dingo",
    k4: "quokka pangolin",
    k5: "ferret pangolin dingo",
    k6: "ferret pangolin",
    k7: "narwhal ferret quokka",
    k8: "narwhal axolotl dingo",
  } as const;
  // Due order unlike the order they are taken in: k7, k2, k5, k1, k8, k3, then k4 and k6 (no
  // deadline) by arrival.
  const DUE: Record<keyof typeof TITLES, number | null> = {
    k1: 40,
    k2: 20,
    k3: 60,
    k4: null,
    k5: 30,
    k6: null,
    k7: 10,
    k8: 50,
  };

  async function seedWords(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    let minute = 0;
    for (const [name, title] of Object.entries(TITLES) as [keyof typeof TITLES, string][]) {
      minute += 1;
      const due = DUE[name];
      const { caseId } = await seedCase(store, keyring, {
        title,
        receivedAt: new Date(T0.getTime() + minute * 60_000),
        acknowledgeBy: due === null ? null : hours(due),
      });
      names.set(caseId, name);
    }
    // New reports are indexed later (by the job runner, or by the first search): planWords reads
    // the index as it is.
    await indexPendingCases(store, keyring);
    return names;
  }

  /** The cases found, by name, read two at a time through the cursor and once in one page. */
  async function search(names: Map<string, string>, text: string, commonMatches: number | undefined) {
    const base: InboxFilter = { programs: "*", now: T0, limit: 50, text, commonMatches };
    const whole = (await listInbox(store, keyring, base)).rows.map((row) => names.get(row.id));
    const paged: (string | undefined)[] = [];
    let after: string | undefined;
    do {
      const page = await listInbox(store, keyring, {
        ...base,
        limit: 2,
        ...(after === undefined ? {} : { after }),
      });
      paged.push(...page.rows.map((row) => names.get(row.id)));
      after = page.next;
    } while (after !== undefined);
    expect(paged).toEqual(whole);
    return whole;
  }

  /**
   * The way planWords takes for `text` (`commonMatches` as listInbox passes it), with the word
   * gathered and the number of words then checked case by case when it is the rarest, and the
   * number of cases gathered when they are the words' together.
   */
  async function way(text: string, commonMatches: number, sample?: number): Promise<string> {
    const terms = termHashes(await currentSearchKey(store, keyring), text);
    const plan = await planWords(store, terms, {
      common: commonMatches,
      together: commonMatches,
      ...(sample === undefined ? {} : { sample }),
    });
    if (plan.way === "rarest") {
      return `rarest ${text.split(" ")[terms.indexOf(plan.rarest)]} then ${plan.others.length}`;
    }
    if (plan.way === "together")
      return `together ${plan.ids.length}${plan.others.length > 0 ? ` then ${plan.others.length}` : ""}`;
    return plan.way;
  }

  it("finds two common words that are rare together", async () => {
    const names = await seedWords();
    expect(await way("quokka ferret", 3)).toBe("together 3");
    expect(await way("quokka ferret", 4)).toBe("together 3");
    expect(await way("quokka ferret", 2)).toBe("walk");
    expect(await way("quokka ferret", 5)).toBe("rarest quokka then 1");
    for (const commonMatches of [undefined, 0, 2, 3, 4, 5]) {
      expect(await search(names, "quokka ferret", commonMatches)).toEqual(["k7", "k2", "k1"]);
      expect(await search(names, "ferret quokka", commonMatches)).toEqual(["k7", "k2", "k1"]);
    }
  });

  it("finds a rare word with a common one, checking the common one case by case", async () => {
    const names = await seedWords();
    expect(await way("quokka narwhal", 3)).toBe("rarest narwhal then 1");
    expect(await way("narwhal quokka", 3)).toBe("rarest narwhal then 1");
    expect(await way("pangolin ferret", 4)).toBe("rarest pangolin then 1");
    for (const commonMatches of [undefined, 0, 1, 3, 4]) {
      expect(await search(names, "quokka narwhal", commonMatches)).toEqual(["k7", "k1"]);
      expect(await search(names, "narwhal quokka", commonMatches)).toEqual(["k7", "k1"]);
      expect(await search(names, "pangolin ferret", commonMatches)).toEqual(["k5", "k6"]);
    }
  });

  it("finds three words, each way", async () => {
    const names = await seedWords();
    expect(await way("quokka ferret narwhal", 2)).toBe("together 2");
    expect(await way("quokka ferret narwhal", 1)).toBe("walk");
    expect(await way("quokka ferret narwhal", 3)).toBe("rarest narwhal then 2");
    expect(await way("quokka ferret pangolin", 3)).toBe("together 0");
    for (const commonMatches of [undefined, 0, 1, 2, 3]) {
      expect(await search(names, "quokka ferret narwhal", commonMatches)).toEqual(["k7", "k1"]);
      expect(await search(names, "narwhal quokka ferret", commonMatches)).toEqual(["k7", "k1"]);
      // Every two of these share cases, the three none.
      expect(await search(names, "quokka ferret pangolin", commonMatches)).toEqual([]);
    }
  });

  it("finds nothing when one word matches nothing, whichever it is", async () => {
    const names = await seedWords();
    expect(await way("quokka wombat", 3)).toBe("rarest wombat then 1");
    expect(await way("wombat quokka ferret", 3)).toBe("rarest wombat then 2");
    for (const commonMatches of [undefined, 0, 3]) {
      expect(await search(names, "quokka wombat", commonMatches)).toEqual([]);
      expect(await search(names, "wombat quokka ferret", commonMatches)).toEqual([]);
      expect(await search(names, "wombat", commonMatches)).toEqual([]);
    }
  });

  it("leaves a very common word out of the judging and checks it on the gathered cases", async () => {
    const names = await seedWords();
    // 16 cases with only "zebu" and one with all three: 25 cases, zebu in 17 (68 %), quokka and
    // ferret in 6 each (24 %, under VERY_COMMON_SHARE's 25 %).
    for (let i = 0; i < 17; i += 1) {
      const { caseId } = await seedCase(store, keyring, {
        title: i === 16 ? "zebu quokka ferret" : "zebu",
        receivedAt: new Date(T0.getTime() + (10 + i) * 60_000),
        acknowledgeBy: null,
      });
      names.set(caseId, i === 16 ? "both" : `zebu${i}`);
    }
    await indexPendingCases(store, keyring);
    // Judged by quokka and ferret together (k1 k2 k7 and the last), zebu checked on those.
    expect(await way("quokka ferret zebu", 4, 25)).toBe("together 4 then 1");
    expect(await way("zebu quokka ferret", 4, 25)).toBe("together 4 then 1");
    // One word left to judge: walk.
    expect(await way("quokka zebu", 4, 25)).toBe("walk");
    // Under the sample's size (the default 1,000), every word is judged.
    expect(await way("quokka ferret zebu", 4)).toBe("together 1");
    for (const sampleCases of [25, undefined]) {
      for (const commonMatches of [undefined, 4]) {
        const found = async (text: string) =>
          (
            await listInbox(store, keyring, {
              programs: "*",
              now: T0,
              limit: 50,
              text,
              commonMatches,
              sampleCases,
            })
          ).rows.map((row) => names.get(row.id));
        expect(await found("quokka ferret zebu")).toEqual(["both"]);
        expect(await found("quokka zebu")).toEqual(["both"]);
      }
    }
  });

  it("merges at most three words of a long search and checks the rest on each case", async () => {
    const names = await seedWords();
    // Four common words (each in 4 or 5 cases): the first three are merged, dingo is checked.
    expect(await way("quokka ferret narwhal dingo", 2)).toBe("together 2 then 1");
    expect(await way("quokka ferret pangolin dingo", 3)).toBe("together 0 then 1");
    expect(await way("quokka ferret dingo pangolin", 3)).toBe("together 1 then 1");
    for (const commonMatches of [undefined, 0, 2, 3]) {
      expect(await search(names, "quokka ferret dingo pangolin", commonMatches)).toEqual([]);
      expect(await search(names, "quokka ferret dingo narwhal", commonMatches)).toEqual(["k1"]);
    }
  });
});
