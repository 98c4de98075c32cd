import type { Store } from "../store/database.js";
import { listUsers, type UserSummary } from "./users.js";

/**
 * What the members page shows of each account: its roles and status (listUsers), when it last
 * signed in (the newest `signin.succeeded` in the security log), how many live API tokens it
 * made, its passkeys, and whether an identity provider gave it roles.
 */
export interface MemberOverview extends UserSummary {
  lastSignInAt: string | null;
  liveTokens: number;
  /** Passkeys registered (webauthn_credentials). */
  passkeys: number;
  /**
   * Made or given roles by an identity provider (a row in sso_grants): with no password, such a
   * member signs in through the provider, and is not waiting to set one.
   */
  singleSignOn: boolean;
}

export async function listMembers(store: Store): Promise<MemberOverview[]> {
  const [users, signIns, tokens, passkeys, grants] = await Promise.all([
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
    store.db
      .selectFrom("webauthn_credentials")
      .select(["user_id", (eb) => eb.fn.countAll<string | number>().as("n")])
      .groupBy("user_id")
      .execute(),
    store.db.selectFrom("sso_grants").select("user_id").distinct().execute(),
  ]);
  const lastSignIn = new Map(signIns.map((row) => [row.subject, row.at]));
  const liveTokens = new Map(tokens.map((row) => [row.created_by, Number(row.n)]));
  const passkeyCounts = new Map(passkeys.map((row) => [row.user_id, Number(row.n)]));
  const sso = new Set(grants.map((row) => row.user_id));
  return users.map((user) => ({
    ...user,
    lastSignInAt: lastSignIn.get(user.id) ?? null,
    liveTokens: liveTokens.get(user.id) ?? 0,
    passkeys: passkeyCounts.get(user.id) ?? 0,
    singleSignOn: sso.has(user.id),
  }));
}
