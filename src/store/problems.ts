import type { Kysely } from "kysely";
import { z } from "zod";
import { decryptText, encryptText, type KeySource } from "../crypto/envelope.js";
import { isProblemState, type ProblemState } from "../domain/problems/problem-rules.js";
import { namedIfConfidential } from "./case-visibility.js";
import type { DatabaseSchema } from "./schema.js";
import { reportTitle } from "./search-index.js";

/**
 * The problem records of problem management (migration 2026120801_problems): reading them
 * decrypted, and the row writes the commands in src/commands/problems.ts make. A problem's title
 * and root cause are one ciphertext bound to the problem's row; its state and stamps are plain.
 * The link of a case to a problem is written here too, but only ever by the case commands that
 * append the matching case event in the same transaction.
 */
type Db = Kysely<DatabaseSchema>;

/** Where a problem's title and root cause belong (the AAD of `problems.content_ct`). */
export const problemAad = (problemId: string) => `problem:${problemId}:content`;

const content = z.object({ title: z.string(), rootCause: z.string() });
export type ProblemContent = z.infer<typeof content>;

export function sealProblemContent(keyring: KeySource, problemId: string, value: ProblemContent): string {
  return encryptText(keyring, JSON.stringify(value), problemAad(problemId));
}

function openProblemContent(keyring: KeySource, problemId: string, sealed: string): ProblemContent {
  return content.parse(JSON.parse(decryptText(keyring, sealed, problemAad(problemId))));
}

export interface Problem {
  id: string;
  program: string;
  number: number;
  state: ProblemState;
  title: string;
  rootCause: string;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

/** A case linked to a problem, as the problem's page lists it. */
export interface LinkedCase {
  id: string;
  title: string;
  state: string;
  receivedAt: Date;
  linkedAt: Date;
}

type ProblemRow = DatabaseSchema["problems"];

function problemOf(keyring: KeySource, row: ProblemRow): Problem {
  if (!isProblemState(row.state)) throw new Error(`problem ${row.id}: unknown state "${row.state}"`);
  const { title, rootCause } = openProblemContent(keyring, row.id, row.content_ct);
  return {
    id: row.id,
    program: row.program,
    number: row.number,
    state: row.state,
    title,
    rootCause,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
  };
}

/**
 * The program's problem with that number. `lock` holds its row for an update: PostgreSQL only (a
 * SQLite write transaction already holds the database's write lock, and SQLite has no FOR UPDATE).
 */
export async function findProblem(
  db: Db,
  keyring: KeySource,
  program: string,
  problemNumber: number,
  options: { lock?: boolean } = {},
): Promise<Problem | undefined> {
  const row = await db
    .selectFrom("problems")
    .selectAll()
    .where("program", "=", program)
    .where("number", "=", problemNumber)
    .$if(options.lock === true, (query) => query.forUpdate())
    .executeTakeFirst();
  return row === undefined ? undefined : problemOf(keyring, row);
}

/** The program's problems, newest first, each with its linked cases' state and arrival. */
export async function problemsOfProgram(
  db: Db,
  keyring: KeySource,
  program: string,
  /** With it, the counts leave out confidential cases this member is not named on. */
  member?: string,
): Promise<(Problem & { cases: { state: string; receivedAt: Date }[] })[]> {
  const [rows, links] = await Promise.all([
    db.selectFrom("problems").selectAll().where("program", "=", program).orderBy("number", "desc").execute(),
    db
      .selectFrom("problem_cases")
      .innerJoin("problems", "problems.id", "problem_cases.problem_id")
      .innerJoin("cases", "cases.id", "problem_cases.case_id")
      .select(["problem_cases.problem_id", "cases.state", "cases.received_at"])
      .where("problems.program", "=", program)
      .$if(member !== undefined, (query) => query.where(namedIfConfidential(member ?? "")))
      .execute(),
  ]);
  return rows.map((row) => ({
    ...problemOf(keyring, row),
    cases: links
      .filter((link) => link.problem_id === row.id)
      .map((link) => ({ state: link.state, receivedAt: new Date(link.received_at) })),
  }));
}

/**
 * The cases linked to a problem, oldest first, their titles decrypted. With `member`, only those
 * they may see: a confidential case they are not named on is not there for them.
 */
export async function linkedCasesOf(
  db: Db,
  keyring: KeySource,
  problemId: string,
  member?: string,
): Promise<LinkedCase[]> {
  const rows = await db
    .selectFrom("problem_cases")
    .innerJoin("cases", "cases.id", "problem_cases.case_id")
    .select(["cases.id", "cases.state", "cases.received_at", "cases.report_ct", "problem_cases.linked_at"])
    .where("problem_cases.problem_id", "=", problemId)
    .$if(member !== undefined, (query) => query.where(namedIfConfidential(member ?? "")))
    .orderBy("cases.received_at")
    .orderBy("cases.id")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    title: reportTitle(keyring, row.id, row.report_ct),
    state: row.state,
    receivedAt: new Date(row.received_at),
    linkedAt: new Date(row.linked_at),
  }));
}

/** The problem a case is linked to now, if any. */
export async function problemLinkOfCase(
  db: Db,
  caseId: string,
): Promise<{ problemId: string; number: number } | undefined> {
  return db
    .selectFrom("problem_cases")
    .innerJoin("problems", "problems.id", "problem_cases.problem_id")
    .select(["problem_cases.problem_id as problemId", "problems.number"])
    .where("problem_cases.case_id", "=", caseId)
    .executeTakeFirst();
}

/**
 * The program's next problem number. The upsert locks the program's counter row until the
 * transaction ends, so concurrent openings wait for each other instead of taking the same number.
 */
export async function takeProblemNumber(db: Db, program: string): Promise<number> {
  const row = await db
    .insertInto("problem_counters")
    .values({ program, last_number: 1 })
    .onConflict((conflict) =>
      conflict
        .column("program")
        .doUpdateSet((eb) => ({ last_number: eb("problem_counters.last_number", "+", 1) })),
    )
    .returning("last_number")
    .executeTakeFirstOrThrow();
  return row.last_number;
}

export interface NewProblemRow {
  id: string;
  program: string;
  number: number;
  title: string;
  rootCause: string;
  at: Date;
  by: string;
}

export async function insertProblem(db: Db, keyring: KeySource, problem: NewProblemRow): Promise<void> {
  const at = problem.at.toISOString();
  await db
    .insertInto("problems")
    .values({
      id: problem.id,
      program: problem.program,
      number: problem.number,
      state: "open",
      content_ct: sealProblemContent(keyring, problem.id, {
        title: problem.title,
        rootCause: problem.rootCause,
      }),
      created_at: at,
      created_by: problem.by,
      updated_at: at,
      updated_by: problem.by,
    })
    .execute();
}

/** Saves a problem's state and root cause (its title stays), stamped with who and when. */
export async function updateProblem(
  db: Db,
  keyring: KeySource,
  problem: Problem,
  change: { state: ProblemState; rootCause: string; at: Date; by: string },
): Promise<void> {
  await db
    .updateTable("problems")
    .set({
      state: change.state,
      content_ct: sealProblemContent(keyring, problem.id, {
        title: problem.title,
        rootCause: change.rootCause,
      }),
      updated_at: change.at.toISOString(),
      updated_by: change.by,
    })
    .where("id", "=", problem.id)
    .execute();
}

export async function insertCaseLink(
  db: Db,
  link: { caseId: string; problemId: string; at: Date; by: string },
): Promise<void> {
  await db
    .insertInto("problem_cases")
    .values({
      case_id: link.caseId,
      problem_id: link.problemId,
      linked_at: link.at.toISOString(),
      linked_by: link.by,
    })
    .execute();
}

export async function deleteCaseLink(db: Db, caseId: string): Promise<void> {
  await db.deleteFrom("problem_cases").where("case_id", "=", caseId).execute();
}
