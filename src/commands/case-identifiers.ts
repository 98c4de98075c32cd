import { z } from "zod";
import {
  checkIdentifiers,
  type Identifiers,
  identifierChanges,
  identifierKey,
  MAX_ALIASES,
  NO_IDENTIFIERS,
  sameIdentifiers,
} from "../domain/disclosure/affected.js";
import type { Policy } from "../policy/schema.js";
import type { Json } from "../store/canonical-json.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import type { Store } from "../store/database.js";
import { InvalidCaseCommandError, StaffCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { republishIfDisclosed } from "./affected.js";
import { type CaseDeps, runCaseCommand } from "./case-change.js";

/**
 * A case's CVE id and aliases (GHSA ids, report numbers elsewhere). Each change is one internal
 * event, `case.identifiers_changed`, holding the identifiers after it, so the case's own timeline
 * is their history; `case_identifiers` holds the present, one row per identifier, upper-cased and
 * unique per program: the primary key is what stops two cases of a program from sharing one, even
 * when two members save at the same moment. A CVE id or alias that another case of the program has
 * is refused with IdentifierTaken (409), naming it and that case.
 */

export const IDENTIFIERS_EVENT = "case.identifiers_changed";

export const identifiersPayload = z.object({
  cveId: z.string().nullable(),
  aliases: z.array(z.string()),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});

/** Another case of the program already has this CVE id or alias; nothing was written. */
export class IdentifierTaken extends StaffCommandError {
  constructor(
    readonly field: "cveId" | "aliases",
    readonly value: string,
    readonly otherCase: string | null,
  ) {
    super(
      "embargo.case.identifierTaken",
      otherCase === null
        ? `${value} is already used by another case of this program`
        : `${value} is already used by case ${otherCase} of this program`,
    );
    this.name = "IdentifierTaken";
  }
}

/** The case's identifiers now, from its events (oldest first; others are skipped). */
export function currentIdentifiers(events: readonly { type: string; payload: Json }[]): Identifiers {
  const latest = events.findLast((event) => event.type === IDENTIFIERS_EVENT);
  if (latest === undefined) return NO_IDENTIFIERS;
  const { cveId, aliases } = identifiersPayload.parse(latest.payload);
  return { cveId, aliases };
}

/** What to change: an omitted field keeps its value; `cveId: null` (or "") clears the CVE id. */
export interface IdentifiersRequest {
  cveId?: string | null | undefined;
  aliases?: readonly string[] | undefined;
}

/** A unique violation, as PostgreSQL (23505) and SQLite (better-sqlite3's extended codes) report it. */
function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  const { code } = error;
  return code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

/**
 * Sets the case's CVE id and aliases. The same identifiers again write nothing. Throws
 * InvalidCaseCommandError (400) for a malformed one, IdentifierTaken (409) for one another case of
 * the program has.
 */
export async function changeIdentifiers(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: IdentifiersRequest,
  at: Date,
): Promise<{ changed: boolean; identifiers: Identifiers }> {
  checkActor(actor);
  if ((request.aliases?.length ?? 0) > MAX_ALIASES * 5)
    throw new InvalidCaseCommandError("aliases", `a case has at most ${MAX_ALIASES} aliases`);
  let attempted: readonly { value: string; kind: "cve" | "alias" }[] = [];
  let program = "";
  try {
    return await runCaseCommand<{ changed: boolean; identifiers: Identifiers }>(
      deps,
      { id: caseId },
      at,
      async (row, trx) => {
        program = row.program;
        const before = currentIdentifiers(
          await caseEventsOfTypes(trx, deps.keyring, row.id, [IDENTIFIERS_EVENT]),
        );
        const wanted = checkIdentifiers({
          cveId: request.cveId === undefined ? before.cveId : request.cveId,
          aliases: request.aliases ?? before.aliases,
        });
        if (!wanted.ok) throw new InvalidCaseCommandError(wanted.field, wanted.message);
        const after = wanted.value;
        if (sameIdentifiers(before, after))
          return { result: { changed: false, identifiers: before }, events: [] };
        const { added, removed } = identifierChanges(before, after);
        attempted = added;
        const beforeAliases = new Set(before.aliases.map(identifierKey));
        const afterAliases = new Set(after.aliases.map(identifierKey));
        return {
          result: { changed: true, identifiers: after },
          events: [
            {
              type: domainEventType(IDENTIFIERS_EVENT),
              actor,
              at,
              payload: {
                cveId: after.cveId,
                aliases: after.aliases,
                added: after.aliases.filter((alias) => !beforeAliases.has(identifierKey(alias))),
                removed: before.aliases.filter((alias) => !afterAliases.has(identifierKey(alias))),
              },
            },
          ],
          write: async (writeTrx) => {
            if (removed.length > 0)
              await writeTrx
                .deleteFrom("case_identifiers")
                .where("program", "=", row.program)
                .where("case_id", "=", row.id)
                .where("value", "in", removed)
                .execute();
            if (added.length > 0)
              await writeTrx
                .insertInto("case_identifiers")
                .values(
                  added.map(({ value, kind }) => ({
                    program: row.program,
                    value,
                    case_id: row.id,
                    kind,
                    created_at: at.toISOString(),
                  })),
                )
                .execute();
            await republishIfDisclosed(writeTrx, deps.keyring, policy, row, at);
          },
        };
      },
    );
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // The transaction is gone (PostgreSQL aborts it at the violation): find who has it outside it.
    throw await takenError(deps.store, program, caseId, attempted);
  }
}

async function takenError(
  store: Store,
  program: string,
  caseId: string,
  attempted: readonly { value: string; kind: "cve" | "alias" }[],
): Promise<IdentifierTaken> {
  const values = attempted.map((entry) => entry.value);
  const owner =
    values.length === 0
      ? undefined
      : await store.db
          .selectFrom("case_identifiers")
          .select(["value", "case_id"])
          .where("program", "=", program)
          .where("value", "in", values)
          .where("case_id", "!=", caseId)
          .orderBy("value")
          .executeTakeFirst();
  const taken = attempted.find((entry) => entry.value === owner?.value) ?? attempted[0];
  return new IdentifierTaken(
    taken?.kind === "cve" ? "cveId" : "aliases",
    taken?.value ?? "the identifier",
    owner?.case_id ?? null,
  );
}
