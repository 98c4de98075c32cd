import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { emailsOf } from "../../../auth/team.js";
import {
  approveReward,
  proposeReward,
  RewardRefused,
  recordRewardPaid,
  withdrawReward,
} from "../../../commands/rewards.js";
import { csvDocument } from "../../../domain/rewards/csv.js";
import {
  decimalOf,
  MAX_GIFT,
  MAX_REFERENCE,
  type Reward,
  rewardHistory,
} from "../../../domain/rewards/decision.js";
import { ApiError } from "../../../intake/report-schema.js";
import type { Policy } from "../../../policy/schema.js";
import { listProgramRewards } from "../../../store/rewards.js";
import { type TeamActor, teamActor } from "../../../store/staff-validation.js";
import { caseTarget, loadCase } from "../../case-loader.js";
import type { WebContext } from "../../context.js";
import { HttpError, notFound } from "../../errors.js";
import { canViewCase, canWorkCase } from "../../permissions.js";
import { requireStaff } from "../../staff-session.js";
import { config, errors, security, tags, writes } from "./openapi.js";

/**
 * The reward of a case through the staff API (src/domain/rewards/decision.ts): read it with its
 * history; propose a bounty or a gift; approve it (another member); record it paid; withdraw it.
 * The same commands as the case page's forms (src/commands/rewards.ts). Malformed input is 400
 * naming the field; what the policy or the reward's status refuses is 409 with a stable id
 * (`reward_not_offered`, `reward_kind_not_offered`, `reward_self_approval`, …). And the program's
 * rewards as CSV for the finance side (responders and administrators).
 */
const Instant = z.string().meta({ description: "ISO 8601 instant" });
const CaseParams = z.object({ id: z.string().max(64) });
const ProgramParams = z.object({ program: z.string().max(64) });
const conflicts = { ...errors, 409: ApiError } as const;

const RewardJson = z
  .object({
    proposal: z.int().meta({ description: "1 for the case's first proposal, then 2, …" }),
    kind: z.enum(["bounty", "gift"]),
    amount: z.string().nullable().meta({ description: "A bounty's amount, a decimal with two decimals" }),
    amountMinor: z.int().nullable().meta({ description: "The same amount in minor units (cents)" }),
    currency: z.string().nullable().meta({ description: "ISO 4217 code" }),
    gift: z.string().nullable(),
    status: z.enum(["proposed", "approved", "paid", "declined", "withdrawn"]),
    proposedAt: Instant,
    proposedBy: z.string(),
    approvedAt: Instant.nullable(),
    approvedBy: z.string().nullable(),
    paidOn: z.string().nullable().meta({ description: "YYYY-MM-DD" }),
    reference: z.string().nullable(),
    declineMessage: z.string().nullable(),
  })
  .meta({ id: "Reward" });

const RewardState = z
  .object({
    policy: z.object({
      kind: z.enum(["none", "bounty", "gift", "bounty-or-gift"]),
      text: z.string().nullable(),
    }),
    current: RewardJson.nullable(),
    history: z.array(z.object({ type: z.string(), at: Instant, actor: z.string(), proposal: z.int() })),
  })
  .meta({ id: "RewardState" });

const Proposal = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("bounty"),
      amount: z.union([z.number(), z.string().max(64)]).meta({
        description:
          'An integer of minor units (50000 is 500.00), or a decimal string with at most two decimals ("500.00"); positive, at most 1,000,000.00',
      }),
      currency: z.string().max(16).meta({ description: "ISO 4217: three upper-case letters" }),
    }),
    z.strictObject({
      kind: z.literal("gift"),
      gift: z
        .string()
        .max(MAX_GIFT * 10)
        .meta({ description: `At most ${MAX_GIFT} characters` }),
    }),
  ])
  .meta({ id: "RewardProposal" });

const ProposalRef = z.int().positive().max(1_000_000_000).optional().meta({
  description:
    "The proposal the caller read; refused (409 reward_changed) when it is no longer the current one",
});
const Approve = z.strictObject({ proposal: ProposalRef }).meta({ id: "RewardApproval" });
const Withdraw = z.strictObject({ proposal: ProposalRef }).meta({ id: "RewardWithdrawal" });
const Paid = z
  .strictObject({
    proposal: ProposalRef,
    paidOn: z.string().max(64).meta({ description: "The day it was paid, YYYY-MM-DD" }),
    reference: z
      .string()
      .max(MAX_REFERENCE * 10)
      .optional()
      .meta({ description: `At most ${MAX_REFERENCE} characters` }),
  })
  .meta({ id: "RewardPayment" });

export function rewardJson(reward: Reward): z.infer<typeof RewardJson> {
  const offer = reward.offer;
  return {
    proposal: reward.proposal,
    kind: offer.kind,
    amount: offer.kind === "bounty" ? decimalOf(offer.amountMinor) : null,
    amountMinor: offer.kind === "bounty" ? offer.amountMinor : null,
    currency: offer.kind === "bounty" ? offer.currency : null,
    gift: offer.kind === "gift" ? offer.gift : null,
    status: reward.status,
    proposedAt: reward.proposedAt.toISOString(),
    proposedBy: reward.proposedBy,
    approvedAt: reward.approvedAt?.toISOString() ?? null,
    approvedBy: reward.approvedBy,
    paidOn: reward.paidOn,
    reference: reward.reference,
    declineMessage: reward.declineMessage,
  };
}

/** The command's conflicts as 409 with the domain's code; anything else goes to the app's handler. */
async function asHttp<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RewardRefused)
      throw new HttpError(409, error.reason, error.message, [{ field: error.field, message: error.message }]);
    throw error;
  }
}

export const REWARD_CSV_HEADER = [
  "case id",
  "status",
  "kind",
  "amount",
  "currency",
  "gift",
  "proposed at",
  "approved by",
  "paid at",
  "reference",
] as const;

export function rewardApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/api/v1/cases/:id/reward",
    {
      config,
      schema: {
        summary: "The case's reward: the policy's kind and words, the current decision, its history",
        tags,
        security,
        params: CaseParams,
        response: { 200: RewardState, ...errors },
      },
    },
    async (request, reply) => {
      const { program, found } = await loadCase(ctx, requireStaff(request), request.params.id, "view");
      const reward = program.policy.recognition.reward;
      const history = rewardHistory(found.events);
      return reply.header("cache-control", "no-store").send({
        policy: { kind: reward.kind, text: reward.text ?? null },
        current: history.current === null ? null : rewardJson(history.current),
        history: history.entries.map((entry) => ({
          type: entry.type,
          at: entry.at.toISOString(),
          actor: entry.actor,
          proposal: entry.proposal,
        })),
      });
    },
  );

  app.post(
    "/api/v1/cases/:id/reward",
    {
      ...writes,
      schema: {
        summary:
          "Propose a bounty or a gift, as the policy's `recognition.reward.kind` allows; replaces a proposal not approved yet",
        tags,
        security,
        params: CaseParams,
        body: Proposal,
        response: { 201: RewardJson, ...conflicts },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id, program } = await caseTarget(ctx, staff, request.params.id, "work");
      const { reward } = await asHttp(() =>
        proposeReward(ctx, program.policy, id, teamActor(staff.userId), request.body, ctx.clock()),
      );
      return reply.status(201).send(rewardJson(reward));
    },
  );

  /**
   * A step of the proposed reward's life, taken by a member who works the case: the body names
   * the proposal it is about (a stale one is 409), `run` is the command (src/commands/rewards.ts).
   */
  const step = <Body extends z.ZodType>(
    action: string,
    summary: string,
    body: Body,
    run: (
      policy: Policy,
      caseId: string,
      actor: TeamActor,
      body: z.infer<Body>,
    ) => Promise<{ reward: Reward }>,
  ) =>
    app.post(
      `/api/v1/cases/:id/reward/${action}`,
      {
        ...writes,
        schema: {
          summary,
          tags,
          security,
          params: CaseParams,
          body,
          response: { 200: RewardJson, ...conflicts },
        },
      },
      async (request, reply) => {
        const staff = requireStaff(request);
        const { id, program } = await caseTarget(ctx, staff, request.params.id, "work");
        const input = request.body as z.infer<Body>;
        const { reward } = await asHttp(() => run(program.policy, id, teamActor(staff.userId), input));
        return reply.send(rewardJson(reward));
      },
    );

  step(
    "approve",
    "Approve the proposed reward: a team member other than the one who proposed it",
    Approve,
    (policy, id, actor, { proposal }) => approveReward(ctx, policy, id, actor, proposal ?? null, ctx.clock()),
  );
  step(
    "paid",
    "Record that the approved reward was paid (no payment is made): the day, an optional reference",
    Paid,
    (policy, id, actor, { proposal, paidOn, reference }) =>
      recordRewardPaid(
        ctx,
        policy,
        id,
        actor,
        { proposal: proposal ?? null, paidOn, reference: reference ?? "" },
        ctx.clock(),
      ),
  );
  step(
    "withdraw",
    "Withdraw the proposed reward (not once it is approved)",
    Withdraw,
    (policy, id, actor, { proposal }) =>
      withdrawReward(ctx, policy, id, actor, proposal ?? null, ctx.clock()),
  );

  app.get(
    "/api/v1/programs/:program/rewards.csv",
    {
      config,
      schema: {
        summary:
          "The program's rewards as CSV (text/csv) for the finance side: responders and administrators of the program",
        tags,
        security,
        params: ProgramParams,
        produces: ["text/csv"],
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const slug = request.params.program;
      const program = ctx.programs.get(slug);
      // A program one may not see does not exist; one may see but not work is 403.
      if (program === undefined || !canViewCase(staff, slug)) throw notFound("Program");
      if (!canWorkCase(staff, slug))
        throw new HttpError(403, "forbidden", "Your role on this program does not include its rewards.");
      const rows = await listProgramRewards(ctx.store.db, ctx.keyring, slug);
      const names = await emailsOf(
        ctx.store,
        rows.flatMap((row) => (row.approvedBy?.startsWith("team:") ? [row.approvedBy.slice(5)] : [])),
      );
      const csv = csvDocument(
        REWARD_CSV_HEADER,
        rows.map((row) => [
          row.caseId,
          row.status,
          row.kind,
          row.amountMinor === null ? null : decimalOf(row.amountMinor),
          row.currency,
          row.gift,
          row.proposedAt,
          row.approvedBy === null ? null : (names.get(row.approvedBy.slice(5)) ?? row.approvedBy),
          row.paidOn,
          row.reference,
        ]),
      );
      return reply
        .header("cache-control", "no-store")
        .header("content-disposition", `attachment; filename="${slug}-rewards.csv"`)
        .type("text/csv; charset=utf-8")
        .send(csv);
    },
  );
}
