import {
  approveReward,
  proposeReward,
  RewardRefused,
  recordRewardPaid,
  withdrawReward,
} from "../../../commands/rewards.js";
import type { ProposalInput } from "../../../domain/rewards/decision.js";
import { InvalidCaseCommandError } from "../../../store/staff-errors.js";
import type { WebContext } from "../../context.js";
import { type CaseFormSpec, FormRefusal } from "./case-form.js";

/**
 * The case page's reward forms (src/web/views/case-page/reward.tsx): propose a bounty or a gift,
 * approve it (another member), record it paid, withdraw it. Every refusal, of a field or of the
 * reward's status, shows beside the reward's forms.
 */

/** The domain's fields → the form's. */
const FIELDS: Readonly<Record<string, string>> = {
  kind: "reward-kind",
  amount: "reward-amount",
  currency: "reward-currency",
  gift: "reward-gift",
  paidOn: "reward-paid-on",
  reference: "reward-reference",
};

async function rewardRefusal(run: () => Promise<unknown>): Promise<FormRefusal | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    if (error instanceof InvalidCaseCommandError || error instanceof RewardRefused)
      return new FormRefusal(FIELDS[error.field] ?? "reward", error.message);
    throw error;
  }
}

/** The proposal the page showed: the forms carry it, so nobody approves or pays what they did not read. */
const proposalOf = (value: string | undefined): number | null =>
  /^\d{1,9}$/.test(value ?? "") ? Number(value) : null;
const STALE = new FormRefusal("reward", "Reload the page: the form did not say which proposal it showed.");

export function rewardCaseForms(post: (action: string, spec: CaseFormSpec) => void, ctx: WebContext): void {
  post("reward-propose", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const kind = fields["reward-kind"];
      const input: ProposalInput | undefined =
        kind === "gift"
          ? { kind, gift: fields["reward-gift"] ?? "" }
          : kind === "bounty"
            ? { kind, amount: fields["reward-amount"] ?? "", currency: fields["reward-currency"] ?? "" }
            : undefined;
      if (input === undefined) return new FormRefusal("reward-kind", "Choose a bounty or a gift.");
      return (
        (await rewardRefusal(() => proposeReward(ctx, program.policy, id, actor, input, ctx.clock()))) ??
        "reward"
      );
    },
  });

  post("reward-approve", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const proposal = proposalOf(fields["reward-proposal"]);
      if (proposal === null) return STALE;
      return (
        (await rewardRefusal(() => approveReward(ctx, program.policy, id, actor, proposal, ctx.clock()))) ??
        "reward-approved"
      );
    },
  });

  post("reward-paid", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const proposal = proposalOf(fields["reward-proposal"]);
      if (proposal === null) return STALE;
      const request = {
        proposal,
        paidOn: fields["reward-paid-on"] ?? "",
        reference: fields["reward-reference"] ?? "",
      };
      return (
        (await rewardRefusal(() => recordRewardPaid(ctx, program.policy, id, actor, request, ctx.clock()))) ??
        "reward-paid"
      );
    },
  });

  post("reward-withdraw", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const proposal = proposalOf(fields["reward-proposal"]);
      if (proposal === null) return STALE;
      return (
        (await rewardRefusal(() => withdrawReward(ctx, program.policy, id, actor, proposal, ctx.clock()))) ??
        "reward"
      );
    },
  });
}
