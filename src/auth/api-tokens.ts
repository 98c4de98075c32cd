import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Store } from "../store/database.js";
import { randomId, sha256Hex } from "../store/ids.js";
import { appendSecurityEvents } from "./security-log.js";
import type { Role } from "./staff.js";

/**
 * API tokens for the staff API (`Authorization: Bearer embargo_…`): `embargo_` + 32 random
 * bytes in base64url. Stored only as sha-256; shown once, when created. Each token is scoped to
 * one program and one role and acts for the admin who created it (refused when that account is
 * disabled). Revoked tokens stay listed, and refused.
 */
export const API_TOKEN_PREFIX = "embargo_";
const API_TOKEN = /^embargo_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often. */
const LAST_USED_INTERVAL_MS = 60_000;

export interface ApiTokenSummary {
  id: string;
  name: string;
  program: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface ApiTokenIdentity {
  tokenId: string;
  name: string;
  program: string;
  role: Role;
  userId: string;
  email: string;
}

export function looksLikeApiToken(value: string): boolean {
  return API_TOKEN.test(value);
}

export async function createApiToken(
  store: Store,
  input: { name: string; program: string; role: Role; createdBy: string; now: Date },
): Promise<{ id: string; token: string }> {
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const id = randomId();
  await store.transaction(async (trx) => {
    await trx
      .insertInto("api_tokens")
      .values({
        id,
        token_hash: sha256Hex(token),
        name: input.name,
        program: input.program,
        role: input.role,
        created_by: input.createdBy,
        created_at: input.now.toISOString(),
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "api-token.created",
        actor: `user:${input.createdBy}`,
        subject: input.createdBy,
        payload: { tokenId: id, name: input.name, program: input.program, role: input.role },
        at: input.now,
      },
    ]);
  });
  return { id, token };
}

/** Revokes a token; false when there is no such live token. */
export async function revokeApiToken(
  store: Store,
  input: { id: string; actorUserId: string; now: Date },
): Promise<boolean> {
  return store.transaction(async (trx) => {
    const result = await trx
      .updateTable("api_tokens")
      .set({ revoked_at: input.now.toISOString() })
      .where("id", "=", input.id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return false;
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "api-token.revoked",
        actor: `user:${input.actorUserId}`,
        subject: input.actorUserId,
        payload: { tokenId: input.id },
        at: input.now,
      },
    ]);
    return true;
  });
}

export async function getApiToken(store: Store, id: string): Promise<ApiTokenSummary | undefined> {
  const rows = await listApiTokens(store, { id });
  return rows[0];
}

export async function listApiTokens(
  store: Store,
  filter: { programs?: readonly string[]; id?: string } = {},
): Promise<ApiTokenSummary[]> {
  if (filter.programs !== undefined && filter.programs.length === 0) return [];
  const rows = await store.db
    .selectFrom("api_tokens")
    .select(["id", "name", "program", "role", "created_by", "created_at", "last_used_at", "revoked_at"])
    .$if(filter.programs !== undefined, (q) => q.where("program", "in", filter.programs ?? []))
    .$if(filter.id !== undefined, (q) => q.where("id", "=", filter.id ?? ""))
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    program: row.program,
    role: row.role,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }));
}

/**
 * The identity behind a bearer token, or undefined for a malformed, unknown or revoked token
 * (or one whose creator is disabled). The row is found by its hash (indexed); the hashes are
 * then compared with crypto.timingSafeEqual.
 */
export async function authenticateApiToken(
  store: Store,
  token: string,
  now: Date,
): Promise<ApiTokenIdentity | undefined> {
  if (!looksLikeApiToken(token)) return undefined;
  const hash = sha256Hex(token);
  const row = await store.db
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.created_by")
    .select([
      "api_tokens.id",
      "api_tokens.token_hash",
      "api_tokens.name",
      "api_tokens.program",
      "api_tokens.role",
      "api_tokens.revoked_at",
      "api_tokens.last_used_at",
      "users.id as user_id",
      "users.email",
      "users.disabled_at",
    ])
    .where("api_tokens.token_hash", "=", hash)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (!timingSafeEqual(Buffer.from(row.token_hash, "hex"), Buffer.from(hash, "hex"))) return undefined;
  if (row.revoked_at !== null || row.disabled_at !== null) return undefined;
  if (
    row.last_used_at === null ||
    now.getTime() - new Date(row.last_used_at).getTime() >= LAST_USED_INTERVAL_MS
  ) {
    await store.db
      .updateTable("api_tokens")
      .set({ last_used_at: now.toISOString() })
      .where("id", "=", row.id)
      .execute();
  }
  return {
    tokenId: row.id,
    name: row.name,
    program: row.program,
    role: row.role,
    userId: row.user_id,
    email: row.email,
  };
}
