import { decryptText, encryptText, type KeySource } from "../crypto/envelope.js";
import type { Store } from "../store/database.js";
import { randomId, sha256Hex } from "../store/ids.js";
import type { SetupTokensTable } from "../store/schema.js";
import { appendSecurityEvents } from "./security-log.js";
import { ALL_PROGRAMS } from "./staff.js";
import { sealTotpSecret, setupTotpAad } from "./user-totp.js";
import { AccountError, emailProblem, insertUser, normalizeEmail } from "./users.js";

/**
 * Using a setup link (made by `createSetupLink` in users.ts): finding it, the TOTP secret its
 * page offers, and the setup itself, which sets the password and burns the link.
 */
export type SetupToken = SetupTokensTable;

const SETUP_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The setup token behind a link, when it is well-formed, unused and not expired. */
export async function findSetupToken(
  store: Store,
  token: string,
  now: Date,
): Promise<SetupToken | undefined> {
  if (!SETUP_TOKEN.test(token)) return undefined;
  const row = await store.db
    .selectFrom("setup_tokens")
    .selectAll()
    .where("token_hash", "=", sha256Hex(token))
    .executeTakeFirst();
  if (row === undefined || row.used_at !== null || row.expires_at <= now.toISOString()) return undefined;
  return row;
}

/** The TOTP secret offered on a setup page: made at the first visit, the same on every reload. */
export async function setupTotpSecret(
  store: Store,
  keyring: KeySource,
  row: SetupToken,
  newSecret: () => string,
): Promise<string> {
  if (row.totp_secret_ct !== null)
    return decryptText(keyring, row.totp_secret_ct, setupTotpAad(row.token_hash));
  const secret = newSecret();
  const sealed = encryptText(keyring, secret, setupTotpAad(row.token_hash));
  const updated = await store.db
    .updateTable("setup_tokens")
    .set({ totp_secret_ct: sealed })
    .where("token_hash", "=", row.token_hash)
    .where("totp_secret_ct", "is", null)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 1n) return secret;
  // Two first visits at once: use the one that was stored.
  const stored = await store.db
    .selectFrom("setup_tokens")
    .select("totp_secret_ct")
    .where("token_hash", "=", row.token_hash)
    .executeTakeFirstOrThrow();
  if (stored.totp_secret_ct === null) throw new Error("setup token lost its TOTP secret");
  return decryptText(keyring, stored.totp_secret_ct, setupTotpAad(row.token_hash));
}

export type SetupOutcome =
  | { ok: true; userId: string; email: string }
  | { ok: false; reason: "invalid_link" | "email_taken" | "admin_exists" };

/**
 * Uses a setup link, once: sets the password (an argon2id hash made by the caller, outside the
 * transaction) and, when given, the confirmed TOTP secret and recovery codes. The first
 * administrator's link also creates the user (`*` admin) under the email typed on the page, and
 * burns every other such link. Signs out the user's other sessions.
 */
export async function completeSetup(
  store: Store,
  keyring: KeySource,
  input: {
    token: string;
    /** Only for the first administrator's link. */
    email?: string;
    passwordHash: string;
    totp?: { secret: string; step: number; recoveryHashesJson: string };
    now: Date;
  },
): Promise<SetupOutcome> {
  const tokenHash = sha256Hex(input.token);
  const now = input.now.toISOString();
  return store.transaction(async (trx): Promise<SetupOutcome> => {
    const row = await trx
      .selectFrom("setup_tokens")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    if (row === undefined || row.used_at !== null || row.expires_at <= now)
      return { ok: false, reason: "invalid_link" };

    // Mark the link used; the first-admin case marks every first-admin link in one statement,
    // so of two used at once, only one finds its own still unused.
    const burnt = await trx
      .updateTable("setup_tokens")
      .set({ used_at: now })
      .where("used_at", "is", null)
      .$if(row.user_id === null, (q) => q.where("user_id", "is", null))
      .$if(row.user_id !== null, (q) => q.where("token_hash", "=", tokenHash))
      .returning("token_hash")
      .execute();
    if (!burnt.some((b) => b.token_hash === tokenHash)) return { ok: false, reason: "invalid_link" };

    let userId = row.user_id;
    let email: string;
    const events: Parameters<typeof appendSecurityEvents>[2][number][] = [];
    if (userId === null) {
      const any = await trx.selectFrom("users").select("id").limit(1).executeTakeFirst();
      if (any !== undefined) return { ok: false, reason: "admin_exists" };
      email = normalizeEmail(input.email ?? "");
      if (emailProblem(email) !== undefined) throw new AccountError("invalid_email", "invalid email");
      userId = randomId();
      await insertUser(trx, userId, email, input.now);
      await trx
        .insertInto("memberships")
        .values({ user_id: userId, program: ALL_PROGRAMS, role: "admin" })
        .execute();
      events.push({
        type: "user.created",
        actor: `user:${userId}`,
        subject: userId,
        payload: { email, memberships: [{ program: ALL_PROGRAMS, role: "admin" }], firstAdmin: true },
        at: input.now,
      });
    } else {
      const user = await trx
        .selectFrom("users")
        .select(["email"])
        .where("id", "=", userId)
        .executeTakeFirst();
      if (user === undefined) return { ok: false, reason: "invalid_link" };
      email = user.email;
    }

    await trx
      .updateTable("users")
      .set({
        password_hash: input.passwordHash,
        ...(input.totp === undefined
          ? {}
          : {
              totp_secret_ct: sealTotpSecret(keyring, userId, input.totp.secret),
              totp_enabled: 1,
              totp_last_step: input.totp.step,
              recovery_codes_json: input.totp.recoveryHashesJson,
            }),
      })
      .where("id", "=", userId)
      .execute();
    await trx.deleteFrom("sessions").where("user_id", "=", userId).execute();
    events.push({
      type: "user.setup-completed",
      actor: `user:${userId}`,
      subject: userId,
      payload: { purpose: row.purpose, twoFactor: input.totp !== undefined },
      at: input.now,
    });
    if (input.totp !== undefined)
      events.push({
        type: "totp.enabled",
        actor: `user:${userId}`,
        subject: userId,
        payload: {},
        at: input.now,
      });
    await appendSecurityEvents(trx, store.dialect, events);
    return { ok: true, userId, email };
  });
}
