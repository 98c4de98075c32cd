import { sql } from "kysely";
import { keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import type { CaseClockFacts } from "../domain/clocks/case-clocks.js";
import { SEVERITIES } from "../policy/schema.js";
import { type CaseViewer, visibleTo } from "./case-visibility.js";
import { CLOCK_COLUMNS, type ClockNeeds, clockFactsOfRow, clockHistories } from "./clock-facts.js";
import type { Store } from "./database.js";
import { currentSearchKey, indexPendingCases, reportTitle, termHashes } from "./search-index.js";
import { InvalidCursorError } from "./staff-errors.js";
import type { Severity } from "./staff-validation.js";

/**
 * The staff inbox: cases filtered on plaintext metadata and on the blind index of their words,
 * sorted by what is due first (`next_due_at`, cases with no open deadline last), then by arrival,
 * then by id, so the order is total and keyset pagination never skips or repeats a case. Titles
 * are decrypted for the returned page only.
 */
/** `assignedOnly` and `member` (src/store/case-visibility.ts): search and counts go through them too. */
export interface InboxFilter extends CaseViewer {
  /** The programs the user may see, or every program. */
  programs: readonly string[] | "*";
  states?: readonly string[];
  severity?: readonly string[];
  /** A user id, or `group:<id>` (cases assigned to a team group); null: unassigned cases only. */
  assignee?: string | null;
  asset?: string;
  /** web, api, email (reports by the door they came through), or staff (incidents the team opened). */
  source?: string;
  tag?: string;
  /** true: only cases whose next deadline is before `now`; false: only cases that are not overdue. */
  overdue?: boolean;
  /**
   * Words that must all be in the case: each anywhere in its title, report or conversation
   * (matched as the blind index, src/store/search-index.ts, normalises them).
   */
  text?: string;
  /** The case's number in its program (KITSU-12 is `programs: ["kitsu"]`, `number: 12`). */
  number?: number;
  now: Date;
  /** Rows per page, 1 to MAX_INBOX_LIMIT. */
  limit: number;
  /** The `next` of the previous page. */
  after?: string;
  /**
   * Which events each program's clocks need (src/store/clock-facts.ts clockNeeds; the store
   * knows no policy). Without it, rows' clock facts carry no agreement and no waits.
   */
  clockNeeds?: (program: string) => ClockNeeds;
  /**
   * How many matches make a tag or a word common (COMMON_MATCHES), and several words common
   * together (COMMON_TOGETHER); set by tests of every way (SQLite then tests gathered cases while
   * walking past one of them, WALK_IDS).
   */
  commonMatches?: number;
  /** How many of the newest cases judge a word very common (SAMPLE_CASES); set by tests. */
  sampleCases?: number;
}

export interface InboxRow {
  id: string;
  program: string;
  /** Its number in the program (KITSU-12); null only for rows written by hand. */
  number: number | null;
  state: string;
  title: string;
  severity: string | null;
  priority: string | null;
  assignee: string | null;
  assetId: string | null;
  /** The door a report came through, or `staff` for an incident the team opened. */
  source: string;
  tags: string[];
  receivedAt: Date;
  acknowledgeBy: Date | null;
  acknowledgedAt: Date | null;
  dueAt: Date | null;
  nextDueAt: Date | null;
  authorityNotifyBy: Date | null;
  authorityNotifiedAt: Date | null;
  cvss31Score: number | null;
  cvss40Score: number | null;
  outcome: string | null;
  /** Everything the case's clocks need, so the inbox can show every one. */
  clockFacts: CaseClockFacts;
}

export const MAX_INBOX_LIMIT = 200;

interface Position {
  nextDueAt: string | null;
  receivedAt: string;
  id: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The cursor is the last row's sort key; opaque to clients, checked when it comes back. */
function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.nextDueAt, position.receivedAt, position.id])).toString(
    "base64url",
  );
}

function decodeCursor(cursor: string): Position {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(value) || value.length !== 3) throw new InvalidCursorError();
  const [nextDueAt, receivedAt, id] = value as unknown[];
  if (
    !(nextDueAt === null || (typeof nextDueAt === "string" && ISO.test(nextDueAt))) ||
    typeof receivedAt !== "string" ||
    !ISO.test(receivedAt) ||
    typeof id !== "string" ||
    !ID.test(id)
  ) {
    throw new InvalidCursorError();
  }
  return { nextDueAt, receivedAt, id };
}

/**
 * Past this many matching cases, a tag or a word is "common": the inbox then walks its order
 * (index on program and due date) and checks each case for it, stopping at the page's end, rather
 * than gathering every match first and sorting them. A rare one goes the other way: its few
 * matches, then the sort. At 1,000,000 cases a common tag took 600 ms the first way and 3 ms the
 * second; a rare one would walk the whole program the second way.
 */
const COMMON_MATCHES = 2_000;

/** Up to this many programs, the inbox reads each one's page apart and merges them. */
const MERGED_PROGRAMS = 8;

type PageKey = { id: string; next_due_at: string | null; received_at: string };

/** The inbox's order: due first (no due date last), then by arrival, then by id. */
function compareKeys(a: PageKey, b: PageKey): number {
  if (a.next_due_at !== b.next_due_at) {
    if (a.next_due_at === null) return 1;
    if (b.next_due_at === null) return -1;
    return a.next_due_at < b.next_due_at ? -1 : 1;
  }
  if (a.received_at !== b.received_at) return a.received_at < b.received_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function mergePages(pages: readonly PageKey[][], take: number): PageKey[] {
  return pages.flat().sort(compareKeys).slice(0, take);
}

/** How many rows of `table` have `value` in `column`, counted up to `above + 1` only (an index walk, bounded). */
async function matchesUpTo(
  store: Store,
  table: "case_tags" | "case_title_terms",
  column: "tag" | "term_hash",
  value: string,
  above: number,
): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from (select 1 from ${sql.table(table)} where ${sql.ref(column)} = ${value}
    limit ${above + 1}) as matches`.execute(store.db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * The case ids that have every one of `terms` (two or more), in case_id order, read by walking
 * each term's entries in the (term_hash, case_id) index side by side: PostgreSQL merge-joins them
 * (a join, as its INTERSECT hashes or sorts both sides whole), SQLite merges a compound INTERSECT
 * with an ORDER BY (a join would be a primary-key probe per entry of the first term, about three
 * times slower). Either way a `limit` after it stops the walk early.
 */
function intersection(store: Store, terms: readonly string[]) {
  if (store.dialect === "sqlite") {
    return sql<{ case_id: string }>`${sql.join(
      terms.map((term) => sql`select case_id from case_title_terms where term_hash = ${term}`),
      sql` intersect `,
    )} order by case_id`;
  }
  const joins = terms
    .slice(1)
    .map(
      (term, i) =>
        sql`join case_title_terms as ${sql.ref(`t${i + 1}`)} on ${sql.ref(`t${i + 1}.case_id`)} = t0.case_id and ${sql.ref(`t${i + 1}.term_hash`)} = ${term}`,
    );
  return sql<{ case_id: string }>`select t0.case_id from case_title_terms as t0 ${sql.join(joins, sql` `)}
    where t0.term_hash = ${terms[0] ?? ""} order by t0.case_id`;
}

/**
 * On PostgreSQL, up to this many cases with all of several common words are gathered (read while
 * judging, see planWords) and sorted; past it, the inbox walks its order and checks each case for
 * every word. Gathering costs reading the words' entries (a merge in case_id order) whatever T, the
 * walk checks about (page size × cases ÷ T) cases at two index probes each. At 1,000,000 cases,
 * "stored xss" (T = 3,438): the walk checked ~15,000 cases (p95 78 ms), the merge read 126,000
 * entries in half that time: listInbox p50 57 → 41 ms. On SQLite a probe costs a third of
 * PostgreSQL's and the walk was the faster there (20 against 25 ms), but a lower bound would only
 * add the merge's cost to the walk (the merge stops at the bound, after reading most of the words).
 */
const COMMON_TOGETHER = 10_000;

/**
 * SQLite: past this many gathered ids, the inbox walks its order testing each case against them
 * rather than reading each from the primary key and sorting them all. Reading one costs about 8 µs,
 * walking past one about 0.35 µs, and a page walks past (page size × cases ÷ ids) cases: at
 * 1,000,000 cases the walk is the faster from about 1,500 ids, with fewer cases from fewer.
 */
const WALK_IDS = 1_000;

/**
 * How the inbox narrows to the cases with every word (see COMMON_MATCHES), judged by what the
 * words match together, not one by one: two common words can be rare together ("stored xss": about
 * 63,000 cases each at 1,000,000, 3,438 with both).
 * - `rarest`: a word has at most `common` cases: its cases are gathered, and each is checked for
 *   the other words (`others`) on the primary key; the common words' rows are never all read.
 * - `together`: every word is common, the cases with all of them (`ids`) are at most `together`:
 *   the judging query read them, so they are gathered as they are; very common words (see
 *   VERY_COMMON_SHARE) were left out of that query and are checked on each (`others`).
 * - `walk`: the words are common together too: the inbox walks its order and checks each case.
 */
export type WordPlan =
  | { way: "none" }
  | { way: "rarest"; rarest: string; others: string[] }
  | { way: "together"; ids: string[]; others: string[] }
  | { way: "walk" };

/**
 * A word in more than this share of the newest SAMPLE_CASES cases is left out of the judging
 * merge (and checked case by case instead). Report bodies are indexed, so a word like "the" is
 * in nearly every case: merging its entries would read about as many as there are cases (some
 * 190 ms at 1,000,000 on PostgreSQL), where walking the inbox's order finds it on almost every
 * case at once.
 */
const VERY_COMMON_SHARE = 0.25;
/** The most words one merge reads (see planWords). */
const MERGED_WORDS = 3;
const SAMPLE_CASES = 1_000;

/**
 * The words of `terms` in more than VERY_COMMON_SHARE of the `sample` cases with the highest ids
 * (the newest, as ids now begin with their second: src/store/ids.ts): one short range of the
 * (term_hash, case_id) index per word. None while there are fewer cases than that, where the
 * merge reads little anyway.
 */
async function veryCommonWords(store: Store, terms: readonly string[], sample: number): Promise<Set<string>> {
  const bound = await store.db
    .selectFrom("cases")
    .select("id")
    .orderBy("id", "desc")
    .limit(1)
    .offset(sample - 1)
    .executeTakeFirst();
  if (bound === undefined) return new Set();
  const shares = await Promise.all(
    terms.map(async (term) => {
      const { n } = await store.db
        .selectFrom("case_title_terms")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("term_hash", "=", term)
        .where("case_id", ">=", bound.id)
        .executeTakeFirstOrThrow();
      return { term, share: Number(n) / sample };
    }),
  );
  return new Set(shares.filter(({ share }) => share > VERY_COMMON_SHARE).map(({ term }) => term));
}

/** Exported for its tests (test/store/inbox-words.test.ts), which check the way each search takes. */
export async function planWords(
  store: Store,
  terms: readonly string[],
  bounds: { common: number; together: number; sample?: number },
): Promise<WordPlan> {
  if (terms.length === 0) return { way: "none" };
  // Each word's matches, counted at once (on PostgreSQL, on connections of their own).
  const counts = await Promise.all(
    terms.map(async (term) => ({
      term,
      matches: await matchesUpTo(store, "case_title_terms", "term_hash", term, bounds.common),
    })),
  );
  const rarest = counts.reduce((rarer, count) => (count.matches < rarer.matches ? count : rarer));
  if (rarest.matches <= bounds.common) {
    const { term } = rarest;
    return { way: "rarest", rarest: term, others: terms.filter((other) => other !== term) };
  }
  if (terms.length === 1) return { way: "walk" };
  // Very common words are not judged: they are checked on the gathered cases.
  const veryCommon = await veryCommonWords(store, terms, bounds.sample ?? SAMPLE_CASES);
  const candidates = terms.filter((term) => !veryCommon.has(term));
  if (candidates.length < 2) return { way: "walk" };
  // A search may hold up to 100 words: at most MERGED_WORDS are merged (a join or INTERSECT of
  // 100 would cost its planning alone), the rest are checked on the gathered cases like the very
  // common ones. Their cases together are a superset of all the words', so nothing is missed.
  const judged = candidates.slice(0, MERGED_WORDS);
  const others = [...veryCommon, ...candidates.slice(MERGED_WORDS)];
  // Every word is common: their cases together, up to one past the bound (the merge stops there).
  // The ids themselves, not a count: gathering them again in the inbox's query would read the
  // words' entries twice, and PostgreSQL, which cannot tell how few cases two common words share,
  // planned that query as a scan of every case (1 s at 1,000,000 cases).
  const { rows } = await sql<{ case_id: string }>`
    select case_id from (${intersection(store, judged)} limit ${bounds.together + 1}) as matches`.execute(
    store.db,
  );
  return rows.length <= bounds.together
    ? { way: "together", ids: rows.map((row) => row.case_id), others }
    : { way: "walk" };
}

export async function listInbox(
  store: Store,
  keyring: Keyring,
  filter: InboxFilter,
): Promise<{ rows: InboxRow[]; next?: string }> {
  const limit = Math.min(Math.max(1, Math.floor(filter.limit)), MAX_INBOX_LIMIT);
  const after = filter.after === undefined ? undefined : decodeCursor(filter.after);
  const { programs, states } = filter;
  // Only known severities can match (the column allows no others).
  const severity = filter.severity?.filter((value): value is Severity =>
    SEVERITIES.some((known) => known === value),
  );
  // An empty list allows nothing (and `in ()` is not SQL).
  if ((programs !== "*" && programs.length === 0) || states?.length === 0 || severity?.length === 0) {
    return { rows: [] };
  }
  // The words of reports taken in since the last search go in the index first (they are left out
  // of the intake's hot path), so a search sees every case.
  if (filter.text !== undefined) await indexPendingCases(store, keyring);
  const terms =
    filter.text === undefined ? [] : termHashes(await currentSearchKey(store, keyring), filter.text);
  const now = filter.now.toISOString();
  const tag = filter.tag?.trim().toLowerCase();
  // How a tag or words narrow the list (see COMMON_MATCHES): a rare one by its matches, a common
  // one case by case while walking the inbox's order.
  const above = filter.commonMatches ?? COMMON_MATCHES;
  const tagIsCommon = tag !== undefined && (await matchesUpTo(store, "case_tags", "tag", tag, above)) > above;
  const words = await planWords(store, terms, {
    common: above,
    together: filter.commonMatches ?? COMMON_TOGETHER,
    sample: filter.sampleCases ?? SAMPLE_CASES,
  });

  // Phase 1: the page's sort keys only. The inbox indexes (migration 2026112503) hold these and
  // the scalar filter columns, so this is answered from an index and stops after the page.
  const keysOf = (scope: "*" | readonly string[]) =>
    visibleTo(
      store.db
        .selectFrom("cases")
        .select(["id", "next_due_at", "received_at"])
        .$if(scope !== "*", (query) => query.where("program", "in", scope === "*" ? [] : [...scope])),
      filter,
    )
      .$if(states !== undefined, (query) => query.where("state", "in", states ?? []))
      .$if(severity !== undefined, (query) => query.where("severity", "in", severity ?? []))
      .$if(filter.assignee !== undefined, (query) =>
        filter.assignee === null
          ? query.where("assignee", "is", null)
          : query.where("assignee", "=", filter.assignee ?? ""),
      )
      .$if(filter.asset !== undefined, (query) => query.where("asset_id", "=", filter.asset ?? ""))
      .$if(filter.number !== undefined, (query) => query.where("number", "=", filter.number ?? 0))
      // `staff`: the incidents the team opened itself (`opened_by`); any other source is a door
      // reports came through.
      .$if(filter.source === "staff", (query) => query.where("opened_by", "is not", null))
      .$if(filter.source !== undefined && filter.source !== "staff", (query) =>
        query.where("source", "=", filter.source ?? "").where("opened_by", "is", null),
      )
      .$if(tag !== undefined && !tagIsCommon, (query) =>
        query.where("cases.id", "in", (eb) =>
          eb
            .selectFrom("case_tags")
            .select("case_tags.case_id")
            .where("case_tags.tag", "=", tag ?? ""),
        ),
      )
      .$if(tag !== undefined && tagIsCommon, (query) =>
        query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom("case_tags")
              .select("case_tags.case_id")
              .whereRef("case_tags.case_id", "=", "cases.id")
              .where("case_tags.tag", "=", tag ?? ""),
          ),
        ),
      )
      .$if(filter.overdue === true, (query) => query.where("next_due_at", "<", now))
      .$if(filter.overdue === false, (query) =>
        query.where((eb) => eb.or([eb("next_due_at", "is", null), eb("next_due_at", ">=", now)])),
      )
      // Every word: the cases with all the term hashes (one row per distinct word and case, wherever
      // in the case the word is), the way planWords chose.
      .$if(words.way === "rarest", (query) =>
        query.where("cases.id", "in", (eb) =>
          eb
            .selectFrom("case_title_terms")
            .select("case_title_terms.case_id")
            .where("case_title_terms.term_hash", "=", words.way === "rarest" ? words.rarest : ""),
        ),
      )
      // The ids as one parameter however many. PostgreSQL plans with the array's length: a few
      // are read from the primary key and sorted, thousands are a hashed test while walking the
      // inbox's order (3,438 of 1,000,000 cases: 7 ms, stopping after the page). SQLite cannot
      // tell how many a JSON array holds and always reads them from the primary key (3,438: 29 ms);
      // past WALK_IDS, `+` keeps the id column from its index, so the test is made while walking
      // (5 ms).
      .$if(words.way === "together", (query) => {
        const ids = words.way === "together" ? words.ids : [];
        if (store.dialect === "postgres")
          return query.where(sql<boolean>`cases.id = any(cast(${ids} as text[]))`);
        const list = JSON.stringify(ids);
        return query.where(
          ids.length > (filter.commonMatches === undefined ? WALK_IDS : 1)
            ? sql<boolean>`+cases.id in (select value from json_each(${list}))`
            : sql<boolean>`cases.id in (select value from json_each(${list}))`,
        );
      })
      .$if(words.way !== "none", (query) => {
        // Walking: every word; gathering the rarest word's cases, or the judged words' cases
        // together: the others.
        const checked = words.way === "walk" ? terms : words.way === "none" ? [] : words.others;
        return checked.length === 0
          ? query
          : query.where(({ and, exists, selectFrom }) =>
              and(
                checked.map((term) =>
                  exists(
                    selectFrom("case_title_terms")
                      .select("case_title_terms.case_id")
                      .whereRef("case_title_terms.case_id", "=", "cases.id")
                      .where("case_title_terms.term_hash", "=", term),
                  ),
                ),
              ),
            );
      })
      .$if(after !== undefined, (query) => {
        const { nextDueAt, receivedAt, id } = after ?? { nextDueAt: null, receivedAt: "", id: "" };
        // Row-value comparisons: both engines can start an index range at the cursor.
        return nextDueAt === null
          ? query
              .where("next_due_at", "is", null)
              .where(sql<boolean>`(received_at, id) > (${receivedAt}, ${id})`)
          : query.where((eb) =>
              eb.or([
                eb("next_due_at", "is", null),
                sql<boolean>`(next_due_at, received_at, id) > (${nextDueAt}, ${receivedAt}, ${id})`,
              ]),
            );
      })
      .orderBy("next_due_at", (order) => order.asc().nullsLast())
      .orderBy("received_at", "asc")
      .orderBy("id", "asc")
      .limit(limit + 1)
      .execute();
  // A few programs: each one's page walks its own index in order (program, then due date), and
  // the pages are merged; one query over several programs would gather and sort all their cases.
  const keys =
    programs !== "*" && programs.length > 1 && programs.length <= MERGED_PROGRAMS
      ? mergePages(await Promise.all(programs.map((program) => keysOf([program]))), limit + 1)
      : await keysOf(programs);

  // Phase 2: the page's rows and tags. A case changed between the phases shows as it is now.
  const pageKeys = keys.slice(0, limit);
  const ids = pageKeys.map((key) => key.id);
  if (ids.length === 0) return { rows: [] };
  const [found, tags] = await Promise.all([
    store.db
      .selectFrom("cases")
      .select([
        "id",
        "program",
        "number",
        "state",
        "report_ct",
        "priority",
        "assignee",
        "asset_id",
        "source",
        "opened_by",
        "acknowledge_by",
        "due_at",
        "next_due_at",
        "authority_notify_by",
        "authority_notified_at",
        "cvss31_score",
        "cvss40_score",
        ...CLOCK_COLUMNS,
      ])
      .where("id", "in", ids)
      .execute(),
    store.db
      .selectFrom("case_tags")
      .select(["case_id", "tag"])
      .where("case_id", "in", ids)
      .orderBy("tag")
      .execute(),
  ]);
  const byId = new Map(found.map((row) => [row.id, row]));
  const page = ids.flatMap((id) => {
    const row = byId.get(id);
    return row === undefined ? [] : [row];
  });
  const tagsOf = new Map<string, string[]>();
  for (const { case_id, tag } of tags) tagsOf.set(case_id, [...(tagsOf.get(case_id) ?? []), tag]);
  await keyring.ensure(page.map((row) => keyIdOf(row.report_ct)));
  const noNeeds: ClockNeeds = { agreement: false, waits: false };
  const histories = await clockHistories(
    store.db,
    keyring,
    page.map((row) => ({ id: row.id, needs: filter.clockNeeds?.(row.program) ?? noNeeds })),
  );

  const date = (value: string | null): Date | null => (value === null ? null : new Date(value));
  const result: { rows: InboxRow[]; next?: string } = {
    rows: page.map((row) => ({
      id: row.id,
      program: row.program,
      number: row.number ?? null,
      state: row.state,
      title: reportTitle(keyring, row.id, row.report_ct),
      severity: row.severity,
      priority: row.priority,
      assignee: row.assignee,
      assetId: row.asset_id,
      source: row.opened_by === null ? row.source : "staff",
      tags: tagsOf.get(row.id) ?? [],
      receivedAt: new Date(row.received_at),
      acknowledgeBy: date(row.acknowledge_by),
      acknowledgedAt: date(row.acknowledged_at),
      dueAt: date(row.due_at),
      nextDueAt: date(row.next_due_at),
      authorityNotifyBy: date(row.authority_notify_by),
      authorityNotifiedAt: date(row.authority_notified_at),
      cvss31Score: row.cvss31_score,
      cvss40Score: row.cvss40_score,
      outcome: row.outcome,
      clockFacts: clockFactsOfRow(row, histories.get(row.id)),
    })),
  };
  const last = pageKeys.at(-1);
  if (keys.length > limit && last !== undefined) {
    result.next = encodeCursor({ nextDueAt: last.next_due_at, receivedAt: last.received_at, id: last.id });
  }
  return result;
}
