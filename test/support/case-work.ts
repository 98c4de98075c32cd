import { submitReport } from "../../src/commands/submit-report.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import type { NewReport } from "../../src/store/cases.js";
import type { Store } from "../../src/store/database.js";
import { buildReport } from "./reports.js";

/** Shared by the staff store tests (test/store/staff-*.test.ts). */
export const T0 = new Date("2026-11-25T09:00:00.000Z");
const HOUR_MS = 3_600_000;

/** T0 plus `count` hours. */
export const hours = (count: number): Date => new Date(T0.getTime() + count * HOUR_MS);

export const ALICE = "alice";
export const BOB = "bob";
export const AS_ALICE = "team:alice" as const;
export const AS_BOB = "team:bob" as const;

/** A report without files (faster), received at T0, due for acknowledgement a day later. */
export function buildCase(overrides: Partial<NewReport> = {}): NewReport {
  return buildReport({ attachments: [], receivedAt: T0, acknowledgeBy: hours(24), ...overrides });
}

export async function seedCase(
  store: Store,
  keyring: Keyring,
  overrides: Partial<NewReport> = {},
): Promise<{ caseId: string; reporterToken: string }> {
  return submitReport({ store, keyring }, buildCase(overrides));
}

/** The case row as stored. */
export function caseRow(store: Store, caseId: string) {
  return store.db.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirstOrThrow();
}

/** Every row of every table touched by a case command, to compare before and after a failure. */
export async function snapshot(store: Store): Promise<unknown> {
  const [cases, events, attachments, tags, followers, terms] = await Promise.all([
    store.db.selectFrom("cases").selectAll().orderBy("id").execute(),
    store.db
      .selectFrom("case_events")
      .select(["case_id", "seq", "type", "hash"])
      .orderBy("case_id")
      .orderBy("seq")
      .execute(),
    store.db.selectFrom("attachments").select(["id", "case_id", "event_seq"]).orderBy("id").execute(),
    store.db.selectFrom("case_tags").selectAll().orderBy("case_id").orderBy("tag").execute(),
    store.db.selectFrom("case_followers").selectAll().orderBy("case_id").orderBy("user_id").execute(),
    store.db.selectFrom("case_title_terms").selectAll().orderBy("case_id").orderBy("term_hash").execute(),
  ]);
  return { cases, events, attachments, tags, followers, terms };
}
