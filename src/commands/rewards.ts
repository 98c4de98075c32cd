import {
  decideApproval,
  decideDecline,
  decidePaid,
  decideProposal,
  decideWithdrawal,
  type ProposalInput,
  REWARD_EVENT_TYPES,
  type Reward,
  type RewardDecision,
  type RewardRefusal,
  type RewardRefusalCode,
  rewardHistory,
} from "../domain/rewards/decision.js";
import type { Policy } from "../policy/schema.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import { CaseNotFoundError } from "../store/cases.js";
import type { Actor } from "../store/events.js";
import { sha256Hex } from "../store/ids.js";
import { keepRewardRow } from "../store/rewards.js";
import { InvalidCaseCommandError, StaffCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, checkDate, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, type CaseLocator, type CaseRow, runCaseCommand, type Trx } from "./case-change.js";

/**
 * The reward of a case (`recognition.reward`; rules in src/domain/rewards/decision.ts). Each
 * command reads the case's reward events in its transaction, asks the domain, appends the events
 * it decides (`reward.proposed`, `reward.approved`, `reward.paid`, `reward.declined`,
 * `reward.withdrawn`; internal: the reporter's page shows the reward once approved, from these
 * events) through runCaseCommand, and writes the `case_rewards` projection in the same
 * transaction. Malformed input is InvalidCaseCommandError (400, naming the field); a refusal of
 * the policy or of the reward's status is RewardRefused (409, with the domain's code).
 */

/** The policy or the reward's status refuses the request; nothing was written. */
export class RewardRefused extends StaffCommandError {
  readonly reason: Exclude<RewardRefusalCode, "invalid">;
  readonly field: string;
  constructor(refusal: RewardRefusal & { code: Exclude<RewardRefusalCode, "invalid"> }) {
    super(`embargo.reward.${refusal.code}`, refusal.message);
    this.name = "RewardRefused";
    this.reason = refusal.code;
    this.field = refusal.field;
  }
}

function refused(refusal: RewardRefusal): Error {
  if (refusal.code === "invalid") return new InvalidCaseCommandError(refusal.field, refusal.message);
  return new RewardRefused({ ...refusal, code: refusal.code });
}

/** A case must belong to the program the request names: said the same whether it exists elsewhere or not. */
function requireSameProgram(row: CaseRow, policy: Policy): void {
  if (row.program !== policy.program.slug) throw new CaseNotFoundError(row.id);
}

/**
 * Runs one reward step on the case `locator` opens: the domain's decision on its history, then
 * the events and the projection row. Returns the reward as it stands afterwards.
 */
async function rewardStep(
  deps: CaseDeps,
  policy: Policy,
  locator: CaseLocator,
  actor: Actor,
  at: Date,
  decide: (history: ReturnType<typeof rewardHistory>) => RewardDecision,
): Promise<{ caseId: string; reward: Reward }> {
  checkDate(at, "at");
  return runCaseCommand(deps, locator, at, async (row: CaseRow, trx: Trx) => {
    requireSameProgram(row, policy);
    const before = await caseEventsOfTypes(trx, deps.keyring, row.id, REWARD_EVENT_TYPES);
    const decision = decide(rewardHistory(before));
    if (!decision.ok) throw refused(decision);
    const events = decision.events.map((event) => ({
      type: domainEventType(event.type),
      actor,
      at,
      payload: { ...event.payload },
    }));
    const after = rewardHistory([
      ...before,
      ...events.map((event, index) => ({ ...event, seq: row.event_count + index + 1 })),
    ]);
    const reward = after.current;
    if (reward === null) throw new Error("a reward step left no reward");
    return {
      result: { caseId: row.id, reward },
      events,
      write: (writeTrx) =>
        keepRewardRow(writeTrx, deps.keyring, { caseId: row.id, program: row.program }, reward, at),
    };
  });
}

/** The team proposes a reward (a bounty or a gift), replacing a proposal not approved yet. */
export function proposeReward(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  input: ProposalInput,
  at: Date,
) {
  checkActor(actor);
  const kind = policy.recognition.reward.kind;
  return rewardStep(deps, policy, { id: caseId }, actor, at, (history) =>
    decideProposal(kind, history, input),
  );
}

/** A second team member approves the standing proposal (`proposal`: the one the page showed). */
export function approveReward(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  proposal: number | null,
  at: Date,
) {
  checkActor(actor);
  return rewardStep(deps, policy, { id: caseId }, actor, at, (history) =>
    decideApproval(history, proposal, actor),
  );
}

/** The team records that the approved reward was paid, on a day, with an optional reference. */
export function recordRewardPaid(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: { proposal: number | null; paidOn: string; reference: string },
  at: Date,
) {
  checkActor(actor);
  return rewardStep(deps, policy, { id: caseId }, actor, at, (history) => decidePaid(history, request, at));
}

/** The team withdraws a proposal not approved yet. */
export function withdrawReward(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  proposal: number | null,
  at: Date,
) {
  checkActor(actor);
  return rewardStep(deps, policy, { id: caseId }, actor, at, (history) =>
    decideWithdrawal(history, proposal),
  );
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The reporter declines the reward from their page, with an optional message. They see a reward
 * once it is approved, so only an approved one may be declined through their link: a proposal
 * they cannot see is refused as "nothing to decline", which tells them nothing of it.
 */
export function declineReward(
  deps: CaseDeps,
  policy: Policy,
  reporterToken: string,
  message: string,
  at: Date,
) {
  if (!TOKEN.test(reporterToken)) throw new CaseNotFoundError("(reporter link)");
  return rewardStep(deps, policy, { tokenHash: sha256Hex(reporterToken) }, "reporter", at, (history) =>
    history.current?.status === "approved"
      ? decideDecline(history, message)
      : {
          ok: false,
          code: "no_reward",
          field: "reward",
          message: "There is no reward to decline on this case.",
        },
  );
}
