import { generate, generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";

/**
 * Time-based one-time passwords (RFC 6238) as every authenticator app reads them: SHA-1, 6
 * digits, 30-second steps. A code is accepted one step early or late (clock drift) and only
 * once: the caller remembers the last accepted time step per user (users.totp_last_step) and
 * passes it back, so a code seen over a shoulder or in a proxy log cannot be replayed.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted before and after the current one. */
export const TOTP_WINDOW_STEPS = 1;

const OPTIONS = { algorithm: "sha1", digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS } as const;
const CODE = /^[0-9]{6}$/;

/** A new secret: 20 random bytes (160 bits, RFC 4226's recommendation), base32. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** Spaces and dashes people type between digit groups are ignored. */
export function normalizeTotpCode(input: string): string {
  return input.replace(/[\s-]/g, "");
}

export function looksLikeTotpCode(input: string): boolean {
  return CODE.test(normalizeTotpCode(input));
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: "invalid" | "replayed" };

/**
 * Checks `code` at `now`. `lastStep` is the last step accepted for this user (null: none yet);
 * a code of that step or an earlier one is refused as a replay. On success the caller must
 * store `step` as the new last step, atomically (see users.ts `acceptTotpStep`).
 */
export async function checkTotp(
  secret: string,
  code: string,
  now: Date,
  lastStep: number | null,
): Promise<TotpCheck> {
  const token = normalizeTotpCode(code);
  if (!CODE.test(token)) return { ok: false, reason: "invalid" };
  const result = await verify({
    ...OPTIONS,
    secret,
    token,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: TOTP_WINDOW_STEPS * TOTP_PERIOD_SECONDS,
  });
  // otplib's result type covers HOTP too; a TOTP match always carries its time step.
  if (!result.valid || !("timeStep" in result)) return { ok: false, reason: "invalid" };
  if (lastStep !== null && result.timeStep <= lastStep) return { ok: false, reason: "replayed" };
  return { ok: true, step: result.timeStep };
}

/** The code an authenticator shows at `at` (tests, and nothing else in the server). */
export function totpCodeAt(secret: string, at: Date): Promise<string> {
  return generate({ ...OPTIONS, secret, epoch: Math.floor(at.getTime() / 1000) });
}

/** The `otpauth://` URI an authenticator app scans: issuer "Embargo (<host>)", label the email. */
export function totpUri(secret: string, email: string, publicUrl: string): string {
  return generateURI({
    ...OPTIONS,
    issuer: `Embargo (${new URL(publicUrl).host})`,
    label: email,
    secret,
  });
}

/** The URI as a QR code, an SVG document (served as an image; no script in it). */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

/** The secret in groups of four, for typing it in by hand. */
export function formatTotpSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}
