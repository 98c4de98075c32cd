import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Store } from "../store/database.js";
import { randomId, sha256Hex } from "../store/ids.js";
import type { DatabaseSchema, UsersTable } from "../store/schema.js";
import { appendSecurityEvents, type SecurityEvent } from "./security-log.js";
import { ALL_PROGRAMS, type Membership, type MembershipScope, type Role } from "./staff.js";

/**
 * Staff accounts: creation with memberships, role changes, making setup links. Using a link is
 * in account-setup.ts, the second factor's storage in user-totp.ts. Every change that matters to
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
    .select(["program", "role", "scope"])
    .where("user_id", "=", userId)
    .orderBy("program")
    .execute();
  return rows.map((row) => ({
    program: row.program,
    role: row.role,
    ...(row.scope === "assigned" ? { scope: "assigned" as const } : {}),
  }));
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
  for (const { program, scope } of memberships) {
    if (program !== ALL_PROGRAMS && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(program))
      throw new AccountError("invalid_membership", `"${program}" is not a program slug`);
    if (seen.has(program)) throw new AccountError("invalid_membership", `program "${program}" given twice`);
    // A `*` role reaches every program's cases: limiting it to assigned cases would mean nothing.
    if (program === ALL_PROGRAMS && scope === "assigned")
      throw new AccountError(
        "invalid_membership",
        "a role on every program cannot be limited to assigned cases",
      );
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
      .values(
        input.memberships.map((m) => ({
          user_id: userId,
          program: m.program,
          role: m.role,
          scope: m.scope ?? "all",
        })),
      )
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "user.created",
        actor: input.actor,
        subject: userId,
        payload: {
          email,
          memberships: input.memberships.map(({ program, role, scope }) => ({
            program,
            role,
            ...(scope === "assigned" ? { scope } : {}),
          })),
        },
        at: input.now,
      },
    ]);
  });
  return { userId, email };
}

/** Inserts a user without password or second factor, in the caller's transaction. */
export async function insertUser(
  trx: Kysely<DatabaseSchema>,
  id: string,
  email: string,
  now: Date,
): Promise<void> {
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
  input: { email: string; program: string; role: Role; scope?: MembershipScope; actor: string; now: Date },
): Promise<{ userId: string; previous: Role | undefined }> {
  const scope = input.scope ?? "all";
  checkMemberships([{ program: input.program, role: input.role, scope }]);
  const email = normalizeEmail(input.email);
  return store.transaction(async (trx) => {
    const user = await trx.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst();
    if (user === undefined) throw new AccountError("no_such_user", `no user with the email ${email}`);
    const before = await trx
      .selectFrom("memberships")
      .select(["role", "scope"])
      .where("user_id", "=", user.id)
      .where("program", "=", input.program)
      .executeTakeFirst();
    await trx
      .insertInto("memberships")
      .values({ user_id: user.id, program: input.program, role: input.role, scope })
      .onConflict((c) => c.columns(["user_id", "program"]).doUpdateSet({ role: input.role, scope }))
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "user.role-changed",
        actor: input.actor,
        subject: user.id,
        payload: {
          program: input.program,
          from: before?.role ?? null,
          to: input.role,
          ...(scope !== (before?.scope ?? "all") || scope === "assigned" ? { scope } : {}),
        },
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
      .map((m) => ({
        program: m.program,
        role: m.role,
        ...(m.scope === "assigned" ? { scope: "assigned" as const } : {}),
      }));
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
