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
  /** How many matches make a tag or a word common (COMMON_MATCHES); set by tests of both ways. */
  commonMatches?: number;
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

/** Whether every one of `values` matches more than COMMON_MATCHES rows of `table` (an index walk, bounded). */
async function isCommon(
  store: Store,
  table: "case_tags" | "case_title_terms",
  column: "tag" | "term_hash",
  values: readonly string[],
  above: number,
): Promise<boolean> {
  for (const value of values) {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from (select 1 from ${sql.table(table)} where ${sql.ref(column)} = ${value}
      limit ${above + 1}) as matches`.execute(store.db);
    if (Number(rows[0]?.n ?? 0) <= above) return false;
  }
  return true;
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
  const tagIsCommon = tag !== undefined && (await isCommon(store, "case_tags", "tag", [tag], above));
  const termsAreCommon =
    terms.length > 0 && (await isCommon(store, "case_title_terms", "term_hash", terms, above));

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
      // in the case the word is).
      .$if(terms.length > 0 && termsAreCommon, (query) =>
        query.where(({ and, exists, selectFrom }) =>
          and(
            terms.map((term) =>
              exists(
                selectFrom("case_title_terms")
                  .select("case_title_terms.case_id")
                  .whereRef("case_title_terms.case_id", "=", "cases.id")
                  .where("case_title_terms.term_hash", "=", term),
              ),
            ),
          ),
        ),
      )
      .$if(terms.length > 0 && !termsAreCommon, (query) =>
        query.where("cases.id", "in", (eb) => {
          const matches = eb
            .selectFrom("case_title_terms")
            .select("case_title_terms.case_id")
            .where("case_title_terms.term_hash", "in", terms);
          return terms.length === 1
            ? matches
            : matches
                .groupBy("case_title_terms.case_id")
                .having((having) => having.fn.countAll(), "=", terms.length);
        }),
      )
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
