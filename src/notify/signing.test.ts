import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "./signing.js";

const secret = "whsec_test";
const body = '{"id":"k1"}';
const now = new Date(1_700_000_000_000);
// printf '1700000000.{"id":"k1"}' | openssl dgst -sha256 -hmac whsec_test
const vector = "t=1700000000,v1=c083f4e63287ffec9f1f3fb5c4518faeee81ee9946d15f81eeda436dcec203f4";

describe("webhook signatures", () => {
  it("matches a vector computed with openssl", () => {
    expect(signWebhook(secret, body, now)).toBe(vector);
    expect(signWebhook(secret, body, new Date(1_700_000_000_999))).toBe(vector);
  });

  it("verifies its own signature", () => {
    expect(verifyWebhookSignature(secret, body, vector, now)).toBe(true);
    expect(verifyWebhookSignature(secret, body, vector, new Date(now.getTime() + 299_000))).toBe(true);
  });

  it("rejects a tampered body, a wrong secret and a malformed header", () => {
    expect(verifyWebhookSignature(secret, '{"id":"k2"}', vector, now)).toBe(false);
    expect(verifyWebhookSignature("other", body, vector, now)).toBe(false);
    expect(verifyWebhookSignature(secret, body, "v1=abc", now)).toBe(false);
    expect(verifyWebhookSignature(secret, body, "t=1700000000", now)).toBe(false);
    expect(verifyWebhookSignature(secret, body, "t=1700000000,v1=zz", now)).toBe(false);
    expect(verifyWebhookSignature(secret, body, "", now)).toBe(false);
  });

  it("rejects a timestamp outside the tolerance, in the past or the future", () => {
    expect(verifyWebhookSignature(secret, body, vector, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifyWebhookSignature(secret, body, vector, new Date(now.getTime() - 301_000))).toBe(false);
    expect(verifyWebhookSignature(secret, body, vector, new Date(now.getTime() + 3_600_000), 7200)).toBe(
      true,
    );
  });

  it("rejects a re-stamped signature (the timestamp is inside the MAC)", () => {
    const restamped = vector.replace("t=1700000000", "t=1700000100");
    expect(verifyWebhookSignature(secret, body, restamped, new Date(1_700_000_100_000))).toBe(false);
  });

  it("accepts any of several v1 values (secret rotation)", () => {
    const header = `t=1700000000,v1=${"0".repeat(64)},${vector.split(",")[1]}`;
    expect(verifyWebhookSignature(secret, body, header, now)).toBe(true);
  });
});
