import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures, the same scheme as Stripe's so receivers can reuse known code:
 *
 *   X-Embargo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * The timestamp is inside the MAC so a captured request cannot be replayed later than the
 * receiver's tolerance (5 minutes by default); the receiver also deduplicates on the
 * Idempotency-Key header. The body is signed byte for byte as sent (UTF-8 JSON), so receivers must
 * verify the raw body before parsing it. More than one v1 may appear (e.g. while a secret is
 * rotated); a signature is valid if any of them matches.
 */

function mac(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** The X-Embargo-Signature header value for `body` sent at `now`. */
export function signWebhook(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

/**
 * Checks a received header against the raw body. False for anything malformed, a timestamp more
 * than `toleranceSeconds` away from `now` (either way: clocks drift, but a far-future stamp would
 * let a capture be replayed for longer), or no matching v1.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value)) return false;
      timestamp = Number(value);
    } else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) {
      candidates.push(value.toLowerCase());
    }
  }
  if (timestamp === null || candidates.length === 0) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;

  const expected = Buffer.from(mac(secret, timestamp, body), "hex");
  let matched = false;
  // Compare against every candidate without stopping early, so timing says nothing about which one matched.
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, "hex"))) matched = true;
  }
  return matched;
}
