import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decryptBytes,
  decryptText,
  encryptBytes,
  encryptText,
  keyIdOf,
  openText,
  sealText,
} from "../../src/crypto/envelope.js";
import { DecryptionError } from "../../src/crypto/errors.js";
import { Keyring } from "../../src/crypto/keyring.js";

function keyring(...ids: string[]): Keyring {
  return new Keyring(
    ids.map((id) => ({ id, key: randomBytes(32), createdAt: new Date(0), retiredAt: null })),
  );
}

describe("text envelopes", () => {
  const ring = keyring("k1");

  it("round-trips text in the v1.<keyId>.<iv>.<data> format with a fresh IV each time", () => {
    const envelope = encryptText(ring, "Stored XSS — ünïcödé ✓", "case:abc:report");
    expect(envelope).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(decryptText(ring, envelope, "case:abc:report")).toBe("Stored XSS — ünïcödé ✓");
    expect(encryptText(ring, "same", "a")).not.toBe(encryptText(ring, "same", "a"));
    expect(keyIdOf(envelope)).toBe("k1");
  });

  it("refuses a ciphertext moved to another place (AAD mismatch) with a clear error", () => {
    const envelope = encryptText(ring, "secret", "case:abc:report");
    expect(() => decryptText(ring, envelope, "case:xyz:report")).toThrow(DecryptionError);
    expect(() => decryptText(ring, envelope, "case:xyz:report")).toThrow(
      /cannot decrypt the data bound to "case:xyz:report": it was modified, or it belongs to another place/,
    );
  });

  it("refuses a tampered ciphertext, tag or IV", () => {
    const envelope = encryptText(ring, "secret text", "aad");
    const [version, id, iv, data] = envelope.split(".") as [string, string, string, string];
    const flip = (text: string, index: number): string => {
      const bytes = Buffer.from(text, "base64url");
      bytes[index] = (bytes[index] ?? 0) ^ 1;
      return bytes.toString("base64url");
    };
    for (const tampered of [
      [version, id, flip(iv, 0), data],
      [version, id, iv, flip(data, 0)],
      [version, id, iv, flip(data, Buffer.from(data, "base64url").length - 1)],
    ]) {
      expect(() => decryptText(ring, tampered.join("."), "aad")).toThrow(DecryptionError);
    }
    expect(() => decryptText(ring, "v1.k1.garbage", "aad")).toThrow(/not an Embargo ciphertext/);
    expect(() => decryptText(ring, `v1.k1.${iv}.AAAA`, "aad")).toThrow(/truncated/);
  });

  it("decrypts with the key the envelope names, and says when it is unknown", () => {
    const old = keyring("k1");
    const envelope = encryptText(old, "text", "aad");
    expect(() => decryptText(keyring("k2"), envelope, "aad")).toThrow(
      /data key k1 is not in this database's keyring/,
    );
  });

  it("wraps with an explicit key (data keys under the master key)", () => {
    const master = randomBytes(32);
    const wrapped = sealText(master, "master", Buffer.from("dek"), "dek:k1");
    expect(openText(master, wrapped, "dek:k1").toString()).toBe("dek");
    expect(() => openText(randomBytes(32), wrapped, "dek:k1")).toThrow(DecryptionError);
  });
});

describe("binary envelopes", () => {
  const ring = keyring("k7");

  it("round-trips bytes byte-exactly: version, key id, iv, tag, ciphertext", () => {
    const data = randomBytes(100_000);
    const envelope = encryptBytes(ring, data, "case:abc:attachment:x:data");
    expect(envelope[0]).toBe(1);
    expect(envelope[1]).toBe(2);
    expect(envelope.subarray(2, 4).toString()).toBe("k7");
    expect(envelope.length).toBe(1 + 1 + 2 + 12 + 16 + data.length);
    expect(keyIdOf(envelope)).toBe("k7");
    expect(decryptBytes(ring, envelope, "case:abc:attachment:x:data").equals(data)).toBe(true);
    expect(decryptBytes(ring, encryptBytes(ring, Buffer.alloc(0), "e"), "e").length).toBe(0);
  });

  it("refuses tampering and AAD mismatch", () => {
    const envelope = encryptBytes(ring, Buffer.from("attachment"), "a");
    expect(() => decryptBytes(ring, envelope, "b")).toThrow(DecryptionError);
    const tampered = Buffer.from(envelope);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x80;
    expect(() => decryptBytes(ring, tampered, "a")).toThrow(DecryptionError);
    expect(() => decryptBytes(ring, envelope.subarray(0, 20), "a")).toThrow(/truncated/);
  });
});
