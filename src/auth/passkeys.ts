import type { Store } from "../store/database.js";
import type { WebauthnCredentialsTable } from "../store/schema.js";
import { appendSecurityEvents } from "./security-log.js";

/**
 * A member's passkeys and security keys as stored (`webauthn_credentials`): several per member,
 * each with a name they chose. Checking a signature is src/auth/webauthn.ts's job; signing in
 * with one is src/commands/passkey-sign-in.ts's. Every change a member makes is written to the
 * security log in the same transaction.
 */

/** Enough for a laptop, a phone and a few security keys; a bound on what one member can store. */
export const MAX_PASSKEYS = 20;
export const PASSKEY_NAME_MAX = 100;

/** Transports the browser may name (WebAuthn's AuthenticatorTransport, and `cable`/`smart-card`). */
export const TRANSPORTS = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface Passkey {
  /** The credential id, base64url. */
  id: string;
  userId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: Transport[];
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

function passkeyOf(row: WebauthnCredentialsTable): Passkey {
  let transports: Transport[] = [];
  try {
    const value: unknown = JSON.parse(row.transports);
    if (Array.isArray(value))
      transports = value.filter((t): t is Transport => (TRANSPORTS as readonly unknown[]).includes(t));
  } catch {
    // A row written by hand: no transports is a valid answer (the browser tries them all).
  }
  return {
    id: row.id,
    userId: row.user_id,
    publicKey: row.public_key,
    // pg returns a bigint as text.
    counter: Number(row.counter),
    transports,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

/** How the log names a passkey: the start of its credential id (ids run to hundreds of characters). */
export const passkeyLogId = (id: string) => id.slice(0, 16);

export async function listPasskeys(store: Store, userId: string): Promise<Passkey[]> {
  const rows = await store.db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(passkeyOf);
}

export async function findPasskey(store: Store, id: string): Promise<Passkey | undefined> {
  const row = await store.db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row === undefined ? undefined : passkeyOf(row);
}

export async function hasPasskeys(store: Store, userId: string): Promise<boolean> {
  const row = await store.db
    .selectFrom("webauthn_credentials")
    .select("id")
    .where("user_id", "=", userId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface NewPasskey {
  userId: string;
  id: string;
  publicKey: string;
  counter: number;
  transports: readonly Transport[];
  name: string;
  now: Date;
}

/**
 * Stores a passkey the member just registered. `exists`: that credential is stored already (for
 * this member or, which the browser's excludeCredentials should prevent, another); `too-many`:
 * the member has MAX_PASSKEYS.
 */
export async function addPasskey(store: Store, input: NewPasskey): Promise<"added" | "exists" | "too-many"> {
  return store.transaction(async (trx) => {
    // Lock the member's row (SQLite's write transaction locks everything already): two
    // registrations at once cannot both pass the count.
    const member = trx.selectFrom("users").select("id").where("id", "=", input.userId);
    await (store.dialect === "postgres" ? member.forUpdate() : member).executeTakeFirst();
    const taken = await trx
      .selectFrom("webauthn_credentials")
      .select("id")
      .where("id", "=", input.id)
      .executeTakeFirst();
    if (taken !== undefined) return "exists";
    const count = await trx
      .selectFrom("webauthn_credentials")
      .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
      .where("user_id", "=", input.userId)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_PASSKEYS) return "too-many";
    await trx
      .insertInto("webauthn_credentials")
      .values({
        id: input.id,
        user_id: input.userId,
        public_key: input.publicKey,
        counter: input.counter,
        transports: JSON.stringify(input.transports),
        name: input.name,
        created_at: input.now.toISOString(),
        last_used_at: null,
      })
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "passkey.added",
        actor: `user:${input.userId}`,
        subject: input.userId,
        payload: { passkey: passkeyLogId(input.id), name: input.name },
        at: input.now,
      },
    ]);
    return "added";
  });
}

interface Change {
  /** The member acting; only their own passkeys can be changed. */
  userId: string;
  id: string;
  now: Date;
}

/** Renames one of the member's passkeys; false when they have none with that id. */
export async function renamePasskey(store: Store, input: Change & { name: string }): Promise<boolean> {
  return store.transaction(async (trx) => {
    const row = await trx
      .selectFrom("webauthn_credentials")
      .select("name")
      .where("id", "=", input.id)
      .where("user_id", "=", input.userId)
      .executeTakeFirst();
    if (row === undefined) return false;
    if (row.name === input.name) return true;
    await trx
      .updateTable("webauthn_credentials")
      .set({ name: input.name })
      .where("id", "=", input.id)
      .where("user_id", "=", input.userId)
      .execute();
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "passkey.renamed",
        actor: `user:${input.userId}`,
        subject: input.userId,
        payload: { passkey: passkeyLogId(input.id), from: row.name, to: input.name },
        at: input.now,
      },
    ]);
    return true;
  });
}

/** Removes one of the member's passkeys; false when they have none with that id. */
export async function removePasskey(store: Store, input: Change): Promise<boolean> {
  return store.transaction(async (trx) => {
    const removed = await trx
      .deleteFrom("webauthn_credentials")
      .where("id", "=", input.id)
      .where("user_id", "=", input.userId)
      .returning("name")
      .executeTakeFirst();
    if (removed === undefined) return false;
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "passkey.removed",
        actor: `user:${input.userId}`,
        subject: input.userId,
        payload: { passkey: passkeyLogId(input.id), name: removed.name },
        at: input.now,
      },
    ]);
    return true;
  });
}

/**
 * Records a sign-in with the passkey: its new signature counter and when. A compare-and-set on
 * the counter read before the signature was checked: false when another sign-in moved it
 * meanwhile (two assertions with the same counter: one of them is a copy).
 */
export async function recordPasskeyUse(
  store: Store,
  input: { id: string; counterBefore: number; counter: number; now: Date },
): Promise<boolean> {
  const result = await store.db
    .updateTable("webauthn_credentials")
    .set({ counter: input.counter, last_used_at: input.now.toISOString() })
    .where("id", "=", input.id)
    .where("counter", "=", input.counterBefore)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
