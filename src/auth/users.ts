import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { decryptText, encryptText, type KeySource } from "../crypto/envelope.js";
import type { Store } from "../store/database.js";
import { randomId, sha256Hex } from "../store/ids.js";
import type { DatabaseSchema, SetupTokensTable, UsersTable } from "../store/schema.js";
import { appendSecurityEvents, type SecurityEvent } from "./security-log.js";
import { ALL_PROGRAMS, type Membership, type Role } from "./staff.js";

/**
 * Staff accounts: creation with memberships, role changes, setup links and the setup itself,
 * the TOTP secret (encrypted) and its replay guard, recovery codes. Every change that matters to
 * security is written to the security log in the same transaction.
 */
export class AccountError extends Error {
  constructor(
    readonly id: "invalid_email" | "email_taken" | "no_such_user" | "invalid_membership" | "user_disabled",
    message: string,
  ) {
    super(message);
  }
}

export type UserRow = UsersTable;

export interface UserSummary {
  id: string;
  email: string;
  /**
   * `pending` until the setup link was used (or after a password reset, until its link is);
   * `removed`: disabled with no role left (src/auth/offboarding.ts), kept so history names them.
   */
  status: "pending" | "active" | "disabled" | "removed";
  totpEnabled: boolean;
  memberships: Membership[];
  createdAt: string;
}

/** How long a setup or reset link works. */
export const SETUP_LINK_HOURS = 72;
const SETUP_TOKEN = /^[A-Za-z0-9_-]{43}$/;
// The domain is "a dot, not first or last": up to its first dot the class excludes ".", so the
// match cannot backtrack quadratically (scripts/check-regexes.ts).
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"][^\s@<>()[\]\\,;:".]*\.[^\s@<>()[\]\\,;:"]+$/;

export function normalizeEmail(input: string): string {
  return input.trim().toLowerCase();
}

export function emailProblem(email: string): string | undefined {
  if (email.length > 254 || !EMAIL.test(email)) return "Enter an email address like name@example.org.";
  return undefined;
}

export const totpAad = (userId: string) => `user:${userId}:totp`;
export const setupTotpAad = (tokenHash: string) => `setup:${tokenHash}:totp`;

export function sealTotpSecret(keyring: KeySource, userId: string, secret: string): string {
  return encryptText(keyring, secret, totpAad(userId));
}

export function openTotpSecret(keyring: KeySource, userId: string, ciphertext: string): string {
  return decryptText(keyring, ciphertext, totpAad(userId));
}

export async function findUserByEmail(store: Store, email: string): Promise<UserRow | undefined> {
  return store.db
    .selectFrom("users")
    .selectAll()
    .where("email", "=", normalizeEmail(email))
    .executeTakeFirst();
}

export async function getUser(store: Store, id: string): Promise<UserRow | undefined> {
  return store.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function membershipsOf(db: Kysely<DatabaseSchema>, userId: string): Promise<Membership[]> {
  const rows = await db
    .selectFrom("memberships")
    .select(["program", "role"])
    .where("user_id", "=", userId)
    .orderBy("program")
    .execute();
  return rows.map((row) => ({ program: row.program, role: row.role }));
}

export async function countUsers(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

function checkMemberships(memberships: readonly Membership[]): void {
  if (memberships.length === 0)
    throw new AccountError("invalid_membership", "a user needs at least one role on a program");
  const seen = new Set<string>();
  for (const { program } of memberships) {
    if (program !== ALL_PROGRAMS && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(program))
      throw new AccountError("invalid_membership", `"${program}" is not a program slug`);
    if (seen.has(program)) throw new AccountError("invalid_membership", `program "${program}" given twice`);
    seen.add(program);
  }
}

/** Creates a user who has not set a password yet; give them a setup link (`createSetupLink`). */
export async function createUser(
  store: Store,
  input: { email: string; memberships: readonly Membership[]; actor: string; now: Date },
): Promise<{ userId: string; email: string }> {
  const email = normalizeEmail(input.email);
  const problem = emailProblem(email);
  if (problem !== undefined) throw new AccountError("invalid_email", `invalid email "${input.email}"`);
  checkMemberships(input.memberships);
  const userId = randomId();
  await store.transaction(async (trx) => {
    const taken = await trx
      .selectFrom("users")
      .select(["id", "disabled_at"])
      .where("email", "=", email)
      .executeTakeFirst();
    if (taken !== undefined)
      throw new AccountError(
        "email_taken",
        taken.disabled_at === null
          ? `a user with the email ${email} exists`
          : `a disabled or removed user with the email ${email} exists: bring them back with \`embargo user enable\`, \`user role\` and \`user reset\``,
      );
    await insertUser(trx, userId, email, input.now);
    await trx
      .insertInto("memberships")
      .values(input.memberships.map((m) => ({ user_id: userId, program: m.program, role: m.role })))
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "user.created",
        actor: input.actor,
        subject: userId,
        payload: { email, memberships: input.memberships.map((m) => ({ program: m.program, role: m.role })) },
        at: input.now,
      },
    ]);
  });
  return { userId, email };
}

async function insertUser(trx: Kysely<DatabaseSchema>, id: string, email: string, now: Date): Promise<void> {
  await trx
    .insertInto("users")
    .values({
      id,
      email,
      password_hash: null,
      totp_secret_ct: null,
      totp_enabled: 0,
      totp_last_step: null,
      recovery_codes_json: "[]",
      disabled_at: null,
      created_at: now.toISOString(),
    })
    .execute();
}

/**
 * Gives `email` the role `role` on `program` (a slug or `*`), replacing the role it had there.
 * Returns the previous role. Takes effect at the user's next request (roles are read per request).
 */
export async function setRole(
  store: Store,
  input: { email: string; program: string; role: Role; actor: string; now: Date },
): Promise<{ userId: string; previous: Role | undefined }> {
  checkMemberships([{ program: input.program, role: input.role }]);
  const email = normalizeEmail(input.email);
  return store.transaction(async (trx) => {
    const user = await trx.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst();
    if (user === undefined) throw new AccountError("no_such_user", `no user with the email ${email}`);
    const before = await trx
      .selectFrom("memberships")
      .select("role")
      .where("user_id", "=", user.id)
      .where("program", "=", input.program)
      .executeTakeFirst();
    await trx
      .insertInto("memberships")
      .values({ user_id: user.id, program: input.program, role: input.role })
      .onConflict((c) => c.columns(["user_id", "program"]).doUpdateSet({ role: input.role }))
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "user.role-changed",
        actor: input.actor,
        subject: user.id,
        payload: { program: input.program, from: before?.role ?? null, to: input.role },
        at: input.now,
      },
    ]);
    return { userId: user.id, previous: before?.role };
  });
}

export async function listUsers(store: Store): Promise<UserSummary[]> {
  const users = await store.db.selectFrom("users").selectAll().orderBy("email").execute();
  const memberships = await store.db.selectFrom("memberships").selectAll().orderBy("program").execute();
  return users.map((user) => {
    const own = memberships
      .filter((m) => m.user_id === user.id)
      .map((m) => ({ program: m.program, role: m.role }));
    return {
      id: user.id,
      email: user.email,
      status: userStatus(user, own.length),
      totpEnabled: user.totp_enabled === 1,
      memberships: own,
      createdAt: user.created_at,
    };
  });
}

export function userStatus(
  user: Pick<UserRow, "disabled_at" | "password_hash">,
  memberships: number,
): UserSummary["status"] {
  if (user.disabled_at !== null) return memberships === 0 ? "removed" : "disabled";
  return user.password_hash === null ? "pending" : "active";
}

// ---------------------------------------------------------------------------------------------
// Setup links

export type SetupToken = SetupTokensTable;

/**
 * A one-time link to set a password (and TOTP): 32 random bytes, base64url, valid for
 * SETUP_LINK_HOURS, stored only as its sha-256. `userId` null makes the first administrator's
 * link (src/auth/first-admin.ts). Returns the token for `<public URL>/setup/<token>`.
 */
export async function createSetupLink(
  store: Store,
  userId: string | null,
  options: { now: Date; actor: string; purpose?: "setup" | "reset" },
): Promise<{ token: string; expiresAt: Date }> {
  return store.transaction(async (trx) => {
    const { token, expiresAt, event } = await insertSetupLink(trx, userId, options);
    await appendSecurityEvents(trx, store.dialect, [event]);
    return { token, expiresAt };
  });
}

/** Stores a new setup link inside the caller's transaction; the caller logs the event returned. */
export async function insertSetupLink(
  trx: Kysely<DatabaseSchema>,
  userId: string | null,
  options: { now: Date; actor: string; purpose?: "setup" | "reset" },
): Promise<{ token: string; expiresAt: Date; event: SecurityEvent }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(options.now.getTime() + SETUP_LINK_HOURS * 3600_000);
  const purpose = options.purpose ?? "setup";
  await trx
    .insertInto("setup_tokens")
    .values({
      token_hash: sha256Hex(token),
      user_id: userId,
      purpose,
      totp_secret_ct: null,
      created_at: options.now.toISOString(),
      expires_at: expiresAt.toISOString(),
      used_at: null,
    })
    .execute();
  return {
    token,
    expiresAt,
    event: {
      type: "user.setup-link-created",
      actor: options.actor,
      subject: userId,
      payload: { purpose, firstAdmin: userId === null, expiresAt: expiresAt.toISOString() },
      at: options.now,
    },
  };
}

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

// ---------------------------------------------------------------------------------------------
// Second factor

/**
 * Records `step` as the user's last accepted TOTP step, only if it is newer than the stored one:
 * false means another request accepted this code (or a later one) first, i.e. a replay.
 */
export async function acceptTotpStep(store: Store, userId: string, step: number): Promise<boolean> {
  const result = await store.db
    .updateTable("users")
    .set({ totp_last_step: step })
    .where("id", "=", userId)
    .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Replaces the stored recovery-code hashes, only if they are still `expected` (one use per code). */
export async function consumeRecoveryCode(
  store: Store,
  userId: string,
  expected: string,
  remaining: string,
): Promise<boolean> {
  const result = await store.db
    .updateTable("users")
    .set({ recovery_codes_json: remaining })
    .where("id", "=", userId)
    .where("recovery_codes_json", "=", expected)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** The pending TOTP secret of a signed-in user enrolling from their account page. */
export async function pendingTotpSecret(
  store: Store,
  keyring: KeySource,
  user: UserRow,
  newSecret: () => string,
): Promise<string> {
  if (user.totp_enabled === 1) throw new Error("TOTP is already enabled");
  if (user.totp_secret_ct !== null) return openTotpSecret(keyring, user.id, user.totp_secret_ct);
  const secret = newSecret();
  await store.db
    .updateTable("users")
    .set({ totp_secret_ct: sealTotpSecret(keyring, user.id, secret) })
    .where("id", "=", user.id)
    .where("totp_secret_ct", "is", null)
    .execute();
  const again = await getUser(store, user.id);
  if (again?.totp_secret_ct == null) throw new Error("user lost its pending TOTP secret");
  return openTotpSecret(keyring, user.id, again.totp_secret_ct);
}

/** Turns TOTP on after the user confirmed a code of the pending secret; stores new recovery codes. */
export async function enableTotp(
  store: Store,
  input: { userId: string; step: number; recoveryHashesJson: string; now: Date },
): Promise<void> {
  await store.transaction(async (trx) => {
    await trx
      .updateTable("users")
      .set({ totp_enabled: 1, totp_last_step: input.step, recovery_codes_json: input.recoveryHashesJson })
      .where("id", "=", input.userId)
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "totp.enabled",
        actor: `user:${input.userId}`,
        subject: input.userId,
        payload: {},
        at: input.now,
      },
    ]);
  });
}

export async function replaceRecoveryCodes(
  store: Store,
  input: { userId: string; recoveryHashesJson: string; now: Date },
): Promise<void> {
  await store.transaction(async (trx) => {
    await trx
      .updateTable("users")
      .set({ recovery_codes_json: input.recoveryHashesJson })
      .where("id", "=", input.userId)
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "recovery-codes.regenerated",
        actor: `user:${input.userId}`,
        subject: input.userId,
        payload: {},
        at: input.now,
      },
    ]);
  });
}
