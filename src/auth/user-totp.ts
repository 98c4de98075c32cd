import { decryptText, encryptText, type KeySource } from "../crypto/envelope.js";
import type { Store } from "../store/database.js";
import { appendSecurityEvents } from "./security-log.js";
import { getUser, type UserRow } from "./users.js";

/**
 * A staff account's second factor as stored: the TOTP secret (encrypted, bound to its user by
 * the additional data) and its replay guard, enrolment from the account page, recovery codes.
 * The codes themselves are checked in totp.ts and recovery-codes.ts; this is only storage.
 */
export const totpAad = (userId: string) => `user:${userId}:totp`;
export const setupTotpAad = (tokenHash: string) => `setup:${tokenHash}:totp`;

export function sealTotpSecret(keyring: KeySource, userId: string, secret: string): string {
  return encryptText(keyring, secret, totpAad(userId));
}

export function openTotpSecret(keyring: KeySource, userId: string, ciphertext: string): string {
  return decryptText(keyring, ciphertext, totpAad(userId));
}

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
