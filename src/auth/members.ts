import type { Store } from "../store/database.js";
import { listUsers, type UserSummary } from "./users.js";

/**
 * What the members page shows of each account: its roles and status (listUsers), when it last
 * signed in (the newest `signin.succeeded` in the security log) and how many live API tokens it
 * made.
 */
export interface MemberOverview extends UserSummary {
  lastSignInAt: string | null;
  liveTokens: number;
}

export async function listMembers(store: Store): Promise<MemberOverview[]> {
  const [users, signIns, tokens] = await Promise.all([
    listUsers(store),
    store.db
      .selectFrom("security_log")
      .select(["subject", (eb) => eb.fn.max("at").as("at")])
      .where("type", "=", "signin.succeeded")
      .where("subject", "is not", null)
      .groupBy("subject")
      .execute(),
    store.db
      .selectFrom("api_tokens")
      .select(["created_by", (eb) => eb.fn.countAll<string | number>().as("n")])
      .where("revoked_at", "is", null)
      .groupBy("created_by")
      .execute(),
  ]);
  const lastSignIn = new Map(signIns.map((row) => [row.subject, row.at]));
  const liveTokens = new Map(tokens.map((row) => [row.created_by, Number(row.n)]));
  return users.map((user) => ({
    ...user,
    lastSignInAt: lastSignIn.get(user.id) ?? null,
    liveTokens: liveTokens.get(user.id) ?? 0,
  }));
}
