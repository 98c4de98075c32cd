import { appendSecurityEvents, type SecurityEventType } from "../auth/security-log.js";
import { decryptText, keyIdOf } from "../crypto/envelope.js";
import { type AdvisoryDraft, checkDraft, type DraftInput, EMPTY_DRAFT } from "../domain/advisories/draft.js";
import { prefillFromCase } from "../domain/advisories/prefill.js";
import { advisoryRecordOf, trackingIdOf } from "../domain/advisories/published-record.js";
import {
  advisoryReviewOf,
  decideAdvisoryApproval,
  decideAdvisoryPublish,
} from "../domain/advisories/review.js";
import { disclosedAtOf, type PublishGate, publishGate } from "../domain/announcements/publish-gate.js";
import { embargoEnd } from "../domain/clocks/disclosure.js";
import { CREDIT_CHANGED_EVENT, currentChoice } from "../domain/credit/choice.js";
import { creditDecision } from "../domain/credit/rules.js";
import { AFFECTED_EVENTS } from "../domain/disclosure/affected.js";
import { withMovedDates } from "../domain/disclosure/plan.js";
import type { Policy } from "../policy/schema.js";
import { aad } from "../store/aad.js";
import {
  type Advisory,
  advisoryIdOfCase,
  approveAdvisoryRow,
  findAdvisory,
  insertAdvisory,
  insertPublication,
  revisionRecord,
  takeAdvisoryNumber,
  updateAdvisoryDraft,
} from "../store/advisories.js";
import { canonicalJson, type Json } from "../store/canonical-json.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import { reportSchema } from "../store/cases.js";
import { clockFactsOfRow } from "../store/clock-facts.js";
import { creditChangesOf } from "../store/credits.js";
import { readPlanRecords } from "../store/disclosure-plan.js";
import { randomId } from "../store/ids.js";
import { InvalidCaseCommandError, StaffCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, checkDate, type TeamActor } from "../store/staff-validation.js";
import { affectedMatrixOf } from "./affected.js";
import { BACKGROUND_LINKS_EVENT, currentBackgroundLinks } from "./background-links.js";
import { type CaseDeps, type CaseRow, runCaseCommand, type Trx } from "./case-change.js";
import { currentIdentifiers, IDENTIFIERS_EVENT } from "./case-identifiers.js";

/**
 * A program's advisories (issue 13): create one from a case (prefilled from what the case knows)
 * or standalone (a fix found internally), edit its draft, approve it (another member than the
 * last editor; a step the policy may skip, `disclosure.advisories.secondApproval`), publish it as
 * the next immutable revision. The rules are src/domain/advisories/draft.ts's; the rows
 * src/store/advisories.ts's.
 *
 * A case's advisory changes through runCaseCommand: each change is an internal event on the case
 * (`advisory.drafted`, `advisory.approved`, `advisory.published`) written in the same transaction
 * as the advisory's rows. A standalone advisory's change writes its rows and a security-log entry
 * in one transaction. A refusal writes nothing.
 */

export const ADVISORY_EVENTS = ["advisory.drafted", "advisory.approved", "advisory.published"] as const;
type AdvisoryEventType = (typeof ADVISORY_EVENTS)[number];
const SECURITY_TYPES: Readonly<Record<AdvisoryEventType | "created", SecurityEventType>> = {
  created: "advisory.created",
  "advisory.drafted": "advisory.edited",
  "advisory.approved": "advisory.approved",
  "advisory.published": "advisory.published",
};

/** No advisory by that id (the routes answer 404; another program's is not found either). */
export class AdvisoryNotFoundError extends StaffCommandError {
  constructor() {
    super("embargo.advisory.notFound", "advisory not found");
    this.name = "AdvisoryNotFoundError";
  }
}

/** The advisory's state refuses the command (409): not approved, stale version, case not disclosed. */
export class AdvisoryConflictError extends StaffCommandError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("embargo.advisory.conflict", message);
    this.name = "AdvisoryConflictError";
  }
}

const userIdOf = (actor: TeamActor) => actor.slice("team:".length);
const assetsOf = (policy: Policy) => policy.scope.inScope.map(({ id, name }) => ({ id, name }));

function checked<T>(result: { ok: true; value: T } | { ok: false; field: string; message: string }): T {
  if (!result.ok) throw new InvalidCaseCommandError(result.field, result.message);
  return result.value;
}

interface Step<T> {
  result: T;
  /** Nothing is written without one. */
  event?: { type: AdvisoryEventType; payload: { [key: string]: Json } };
  write?: (trx: Trx) => Promise<void>;
}

/**
 * Runs `plan` on the advisory, locked: through its case's chain when it has a case, else in a
 * transaction of its own with a security-log entry.
 */
async function advisoryCommand<T>(
  deps: CaseDeps,
  policy: Policy,
  advisoryId: string,
  actor: TeamActor,
  at: Date,
  plan: (advisory: Advisory, trx: Trx, row: CaseRow | null) => Promise<Step<T>>,
): Promise<T> {
  checkActor(actor);
  checkDate(at, "at");
  const first = await findAdvisory(deps.store.db, deps.keyring, advisoryId);
  if (first === undefined || first.program !== policy.program.slug) throw new AdvisoryNotFoundError();
  const lock = deps.store.dialect === "postgres";
  const locked = async (trx: Trx) => {
    const advisory = await findAdvisory(trx, deps.keyring, advisoryId, { lock });
    if (advisory === undefined) throw new AdvisoryNotFoundError();
    return advisory;
  };
  const caseId = first.caseId;
  if (caseId !== null) {
    return runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
      const step = await plan(await locked(trx), trx, row);
      if (step.event === undefined) return { result: step.result, events: [] };
      return {
        result: step.result,
        events: [{ type: domainEventType(step.event.type), actor, at, payload: step.event.payload }],
        ...(step.write === undefined
          ? {}
          : { write: (writeTrx: Trx) => step.write?.(writeTrx) ?? Promise.resolve() }),
      };
    });
  }
  return deps.store.transaction(async (trx) => {
    const step = await plan(await locked(trx), trx, null);
    if (step.event === undefined) return step.result;
    await step.write?.(trx);
    await appendSecurityEvents(trx, deps.store.dialect, [
      {
        type: SECURITY_TYPES[step.event.type],
        actor: `user:${userIdOf(actor)}`,
        subject: null,
        payload: { program: policy.program.slug, ...step.event.payload },
        at,
      },
    ]);
    return step.result;
  });
}

/** The case's facts an advisory starts from, read in the command's transaction. */
async function prefillOf(deps: CaseDeps, policy: Policy, row: CaseRow, trx: Trx): Promise<AdvisoryDraft> {
  const events = await caseEventsOfTypes(trx, deps.keyring, row.id, [
    ...AFFECTED_EVENTS,
    IDENTIFIERS_EVENT,
    BACKGROUND_LINKS_EVENT,
    CREDIT_CHANGED_EVENT,
  ]);
  await deps.keyring.ensure([keyIdOf(row.report_ct)], trx);
  const report = reportSchema.parse(JSON.parse(decryptText(deps.keyring, row.report_ct, aad.report(row.id))));
  // The reporter's choice as it stands: they may have changed it on their page since the report.
  const credit = creditDecision(policy, {
    credit: currentChoice(report.credit, creditChangesOf(events)),
    outcome: row.outcome,
    fixedAt: row.fixed_at === null ? null : new Date(row.fixed_at),
  });
  const identifiers = currentIdentifiers(events);
  return prefillFromCase(
    {
      title: report.title,
      severity: row.severity,
      cvss31: row.cvss31_vector,
      cvss40: row.cvss40_vector,
      cwe: row.cwe,
      cveId: identifiers.cveId,
      aliases: identifiers.aliases,
      matrix: affectedMatrixOf(policy, events),
      credit: credit.credited ? { name: credit.name, link: credit.link } : null,
      links: currentBackgroundLinks(events),
    },
    assetsOf(policy),
  );
}

/** Creates the case's advisory, prefilled from the case. A case has at most one (409 otherwise). */
export async function createAdvisoryFromCase(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  at: Date,
): Promise<{ advisoryId: string }> {
  checkActor(actor);
  return runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
    if (row.program !== policy.program.slug)
      throw new InvalidCaseCommandError("caseId", `there is no case ${row.id} in this program`);
    const existing = await advisoryIdOfCase(trx, row.id);
    if (existing !== undefined)
      throw new AdvisoryConflictError("caseId", `this case already has an advisory (${existing})`);
    const draft = await prefillOf(deps, policy, row, trx);
    const advisoryId = randomId();
    return {
      result: { advisoryId },
      events: [
        {
          type: domainEventType("advisory.drafted"),
          actor,
          at,
          payload: { advisoryId, version: 1, created: true },
        },
      ],
      write: (writeTrx) =>
        insertAdvisory(writeTrx, deps.keyring, {
          id: advisoryId,
          program: row.program,
          caseId: row.id,
          draft,
          at,
          by: userIdOf(actor),
        }),
    };
  });
}

/** Creates an empty standalone advisory of the program (a fix found internally). */
export async function createStandaloneAdvisory(
  deps: CaseDeps,
  policy: Policy,
  actor: TeamActor,
  at: Date,
): Promise<{ advisoryId: string }> {
  checkActor(actor);
  checkDate(at, "at");
  const advisoryId = randomId();
  await deps.store.transaction(async (trx) => {
    await insertAdvisory(trx, deps.keyring, {
      id: advisoryId,
      program: policy.program.slug,
      caseId: null,
      draft: EMPTY_DRAFT,
      at,
      by: userIdOf(actor),
    });
    await appendSecurityEvents(trx, deps.store.dialect, [
      {
        type: SECURITY_TYPES.created,
        actor: `user:${userIdOf(actor)}`,
        subject: null,
        payload: { program: policy.program.slug, advisoryId },
        at,
      },
    ]);
  });
  return { advisoryId };
}

const sameDraft = (a: AdvisoryDraft, b: AdvisoryDraft) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Saves the draft with `input`'s changes (omitted members stay). `version`, when given, must be
 * the draft's current one: nobody overwrites a change they have not read. A change clears the approval.
 */
export async function editAdvisory(
  deps: CaseDeps,
  policy: Policy,
  advisoryId: string,
  actor: TeamActor,
  input: DraftInput,
  version: number | undefined,
  at: Date,
): Promise<{ changed: boolean; version: number }> {
  return advisoryCommand<{ changed: boolean; version: number }>(
    deps,
    policy,
    advisoryId,
    actor,
    at,
    async (advisory) => {
      if (version !== undefined && version !== advisory.draftVersion)
        throw new AdvisoryConflictError(
          "version",
          `the draft changed since this page was loaded (it is at version ${advisory.draftVersion}): read it again, then edit it`,
        );
      const draft = checked(checkDraft(advisory.draft, input, assetsOf(policy)));
      if (sameDraft(draft, advisory.draft))
        return { result: { changed: false, version: advisory.draftVersion } };
      const next = advisory.draftVersion + 1;
      return {
        result: { changed: true, version: next },
        event: { type: "advisory.drafted", payload: { advisoryId, version: next } },
        write: (trx) => updateAdvisoryDraft(trx, deps.keyring, advisory, draft, { at, by: userIdOf(actor) }),
      };
    },
  );
}

function decided<T>(
  decision: ({ ok: true } & T) | { ok: false; field: string; message: string; conflict: boolean },
) {
  if (decision.ok) return decision;
  if (decision.conflict) throw new AdvisoryConflictError(decision.field, decision.message);
  throw new InvalidCaseCommandError(decision.field, decision.message);
}

/** Approves the draft at `version`: by another member than its last editor (whatever the policy). */
export async function approveAdvisory(
  deps: CaseDeps,
  policy: Policy,
  advisoryId: string,
  actor: TeamActor,
  version: number,
  at: Date,
): Promise<{ changed: boolean }> {
  return advisoryCommand<{ changed: boolean }>(deps, policy, advisoryId, actor, at, async (advisory) => {
    const decision = decided(
      decideAdvisoryApproval(advisory, version, userIdOf(actor), advisoryReviewOf(policy)),
    );
    if (!decision.changed) return { result: { changed: false } };
    return {
      result: { changed: true },
      event: { type: "advisory.approved", payload: { advisoryId, version } },
      write: (trx) => approveAdvisoryRow(trx, advisoryId, userIdOf(actor), at),
    };
  });
}

/** The case's publish gate at `at` (the announcements' rule: disclosed, embargo ended, or closed resolved). */
async function gateOf(
  deps: CaseDeps,
  policy: Policy,
  row: CaseRow,
  trx: Trx,
  at: Date,
): Promise<PublishGate> {
  const changes = await caseEventsOfTypes(trx, deps.keyring, row.id, ["case.state_changed"]);
  return publishGate({
    disclosedAt: disclosedAtOf(changes),
    embargo: embargoEnd(
      policy,
      withMovedDates(clockFactsOfRow(row, undefined), await readPlanRecords(trx, deps.keyring, row.id)),
      at,
    ),
    state: row.state,
    outcome: row.outcome,
  });
}

/**
 * Publishes the draft at `version` (approved, where the policy asks for a second member's
 * approval) as the next revision: its record (canonical JSON) is stored once and never changed.
 * The first publication takes the program's next tracking id.
 * `publicUrl` names the publisher when the program has no website.
 */
export async function publishAdvisory(
  deps: CaseDeps,
  policy: Policy,
  advisoryId: string,
  actor: TeamActor,
  version: number,
  at: Date,
  publicUrl: string,
): Promise<{ number: number; trackingId: string }> {
  return advisoryCommand(deps, policy, advisoryId, actor, at, async (advisory, trx, row) => {
    const gate = row === null ? null : await gateOf(deps, policy, row, trx, at);
    // The whole draft is checked again: a prefilled range the team never edited must be valid too.
    const draft = checked(checkDraft(advisory.draft, {}, assetsOf(policy)));
    const decision = decided(decideAdvisoryPublish(advisory, version, draft, gate, advisoryReviewOf(policy)));
    // Without a second approval (the policy's choice) the publisher alone answers for the
    // revision: the row names them as its approver too, so it never claims a review nobody made.
    const approvedBy = advisory.approvedBy ?? userIdOf(actor);
    const previousJson =
      advisory.revisions === 0 ? undefined : await revisionRecord(trx, advisory.id, advisory.revisions);
    const previous = previousJson === undefined ? null : JSON.parse(previousJson);
    const tracking =
      advisory.trackingId === null
        ? await (async () => {
            const number = await takeAdvisoryNumber(trx, policy.program.slug);
            return { number, id: trackingIdOf(policy.program.slug, at.getUTCFullYear(), number) };
          })()
        : null;
    const trackingId = tracking?.id ?? advisory.trackingId ?? "";
    const record = advisoryRecordOf(draft, {
      id: advisory.id,
      program: {
        slug: policy.program.slug,
        name: policy.program.name,
        namespace: policy.program.website ?? `${publicUrl}/p/${policy.program.slug}`,
      },
      trackingId,
      number: decision.number,
      at,
      previous,
    });
    const recordJson = canonicalJson(JSON.parse(JSON.stringify(record)) as Json);
    return {
      result: { number: decision.number, trackingId },
      event: {
        type: "advisory.published",
        payload: { advisoryId, version, revision: decision.number, trackingId },
      },
      write: (writeTrx) =>
        insertPublication(writeTrx, deps.keyring, {
          advisory: { ...advisory, draft },
          number: decision.number,
          tracking,
          recordJson,
          approvedBy,
          at,
          by: userIdOf(actor),
        }),
    };
  });
}
