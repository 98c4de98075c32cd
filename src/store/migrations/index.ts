import type { Kysely } from "kysely";
import type { DialectName } from "../database.js";
import * as initial from "./2026112501_initial.js";
import * as accounts from "./2026112502_accounts.js";
import * as caseWork from "./2026112503_case_work.js";
import * as jobs from "./2026112504_jobs.js";
import * as disclosureClocks from "./2026112505_disclosure_clocks.js";
import * as mail from "./2026112506_mail.js";
import * as hardening from "./2026120701_hardening.js";
import * as problems from "./2026120801_problems.js";
import * as announcements from "./2026120802_announcements.js";
import * as actionItems from "./2026120803_action_items.js";
import * as openedBy from "./2026120804_opened_by.js";
import * as disclosure from "./2026120901_disclosure.js";
import * as disclosurePlan from "./2026120904_disclosure_plan.js";
import * as reporterWarning from "./2026120905_reporter_warning.js";
import * as advisories from "./2026121001_advisories.js";
import * as rewards from "./2026121004_rewards.js";
import * as caseNumbers from "./2026121202_case_numbers.js";
import * as caseReads from "./2026121203_case_reads.js";
import * as passkeys from "./2026121310_passkeys.js";
import * as searchBody from "./2026121320_search_body.js";
import * as sso from "./2026121335_sso.js";
import * as membershipScope from "./2026121350_membership_scope.js";
import * as confidentialCases from "./2026121351_confidential_cases.js";
import * as caseKeys from "./2026121370_case_keys.js";
import * as casesProgramNextDue from "./2026121377_cases_program_next_due.js";

/** A migration module: `up` may need the dialect (blob vs bytea); `down` undoes `up`. */
export interface MigrationModule {
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
  down(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

/**
 * Every migration, by name. Names start with a timestamp (YYYYMMDDNN) so Kysely's name order is
 * the order they were written in. Listed in code, not read from a folder, so the compiled
 * package and tests (tsx, vitest) see the same set.
 */
export const MIGRATIONS: Readonly<Record<string, MigrationModule>> = {
  "2026112501_initial": initial,
  "2026112502_accounts": accounts,
  "2026112503_case_work": caseWork,
  "2026112504_jobs": jobs,
  "2026112505_disclosure_clocks": disclosureClocks,
  "2026112506_mail": mail,
  "2026120701_hardening": hardening,
  "2026120801_problems": problems,
  "2026120802_announcements": announcements,
  "2026120803_action_items": actionItems,
  "2026120804_opened_by": openedBy,
  "2026120901_disclosure": disclosure,
  "2026120904_disclosure_plan": disclosurePlan,
  "2026120905_reporter_warning": reporterWarning,
  "2026121001_advisories": advisories,
  "2026121004_rewards": rewards,
  "2026121202_case_numbers": caseNumbers,
  "2026121203_case_reads": caseReads,
  "2026121310_passkeys": passkeys,
  "2026121320_search_body": searchBody,
  "2026121335_sso": sso,
  "2026121350_membership_scope": membershipScope,
  "2026121351_confidential_cases": confidentialCases,
  "2026121370_case_keys": caseKeys,
  "2026121377_cases_program_next_due": casesProgramNextDue,
};
