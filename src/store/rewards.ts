import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import { decryptText, encryptText, type KeySource, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import {
  REWARD_EVENT_TYPES,
  type Reward,
  type RewardHistory,
  rewardHistory,
} from "../domain/rewards/decision.js";
import { caseEventsOfTypes } from "./case-event-read.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * The reward of a case (src/domain/rewards/decision.ts): its history, folded from the case's
 * reward events, and the `case_rewards` projection (migration 2026121004_rewards) the finance
 * export reads. The projection is written only by src/commands/rewards.ts, in the transaction
 * that appends the events; its amounts are encrypted (one JSON bound to the case's row).
 */
type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** Where a case's reward facts belong (the AAD of `case_rewards.amount_ct`). */
export const rewardAad = (caseId: string) => `case-reward:${caseId}:amount`;

const sealed = z.object({
  proposal: z.number(),
  amountMinor: z.number().nullable(),
  currency: z.string().nullable(),
  gift: z.string().nullable(),
  proposedAt: z.string(),
  proposedBy: z.string(),
  approvedAt: z.string().nullable(),
  approvedBy: z.string().nullable(),
  paidOn: z.string().nullable(),
  reference: z.string().nullable(),
});
export type RewardFacts = z.infer<typeof sealed>;

/** The case's reward history, decrypted from its events (in the caller's transaction when given one). */
export async function readRewardHistory(db: Db, keyring: Keyring, caseId: string): Promise<RewardHistory> {
  return rewardHistory(await caseEventsOfTypes(db, keyring, caseId, REWARD_EVENT_TYPES));
}

function factsOf(reward: Reward): RewardFacts {
  const offer = reward.offer;
  return {
    proposal: reward.proposal,
    amountMinor: offer.kind === "bounty" ? offer.amountMinor : null,
    currency: offer.kind === "bounty" ? offer.currency : null,
    gift: offer.kind === "gift" ? offer.gift : null,
    proposedAt: reward.proposedAt.toISOString(),
    proposedBy: reward.proposedBy,
    approvedAt: reward.approvedAt?.toISOString() ?? null,
    approvedBy: reward.approvedBy,
    paidOn: reward.paidOn,
    reference: reward.reference,
  };
}

/** Writes the case's projection row from its latest proposal (the commands call it after their events). */
export async function keepRewardRow(
  trx: Transaction<DatabaseSchema>,
  keyring: KeySource,
  row: { caseId: string; program: string },
  reward: Reward,
  at: Date,
): Promise<void> {
  const values = {
    program: row.program,
    status: reward.status,
    kind: reward.offer.kind,
    amount_ct: encryptText(keyring, JSON.stringify(factsOf(reward)), rewardAad(row.caseId)),
    updated_at: at.toISOString(),
  };
  await trx
    .insertInto("case_rewards")
    .values({ case_id: row.caseId, ...values })
    .onConflict((conflict) => conflict.column("case_id").doUpdateSet(values))
    .execute();
}

export interface RewardRow extends RewardFacts {
  caseId: string;
  status: DatabaseSchema["case_rewards"]["status"];
  kind: DatabaseSchema["case_rewards"]["kind"];
  updatedAt: string;
}

/** The program's rewards, decrypted, in the order they were proposed (for the finance export). */
export async function listProgramRewards(db: Db, keyring: Keyring, program: string): Promise<RewardRow[]> {
  const rows = await db.selectFrom("case_rewards").selectAll().where("program", "=", program).execute();
  await keyring.ensure(rows.map((row) => keyIdOf(row.amount_ct)));
  const rewards = rows.map((row) => ({
    caseId: row.case_id,
    status: row.status,
    kind: row.kind,
    updatedAt: row.updated_at,
    ...sealed.parse(JSON.parse(decryptText(keyring, row.amount_ct, rewardAad(row.case_id)))),
  }));
  // In the order they were proposed (that instant is sealed with the amount).
  return rewards.sort((a, b) => a.proposedAt.localeCompare(b.proposedAt) || a.caseId.localeCompare(b.caseId));
}
