import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { CryptoError, DecryptionError } from "./errors.js";

/**
 * AES-256-GCM envelopes. Every ciphertext names the key that made it (so keys can rotate) and is
 * bound by additional authenticated data (AAD) to the place it belongs, e.g. `case:<id>:report`:
 * a ciphertext copied into another row fails authentication instead of decrypting there.
 *
 * Text (text columns):  `v1.<keyId>.<base64url iv>.<base64url ciphertext+tag>`
 * Bytes (blob columns): version byte 0x01, key id length (1 byte), key id (ASCII), iv (12), tag (16),
 *                       ciphertext.
 */

/** What an envelope needs from a keyring: the key to encrypt with, and any key by id to decrypt. */
export interface KeySource {
  readonly active: { readonly id: string; readonly key: Buffer };
  get(id: string): Buffer;
}

const VERSION_TEXT = "v1";
const VERSION_BYTE = 0x01;
const IV_LENGTH = 12; // the GCM standard nonce size; random per message
const TAG_LENGTH = 16;
const KEY_LENGTH = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/; // no "." so the text format splits unambiguously
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function checkKey(key: Buffer, keyId: string): void {
  if (key.length !== KEY_LENGTH) throw new CryptoError("embargo.crypto.badKey", "AES-256 keys are 32 bytes");
  if (!KEY_ID.test(keyId)) throw new CryptoError("embargo.crypto.badKeyId", `invalid key id "${keyId}"`);
}

function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function open(key: Buffer, sealed: Sealed, aad: string): Buffer {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    // node:crypto says "Unsupported state or unable to authenticate data"; say what it means here.
    throw new DecryptionError(
      `cannot decrypt the data bound to "${aad}": it was modified, or it belongs to another place`,
    );
  }
}

interface TextParts extends Sealed {
  keyId: string;
}

function parseText(envelope: string): TextParts {
  const parts = envelope.split(".");
  const [version, keyId, iv, data] = parts;
  if (
    parts.length !== 4 ||
    version !== VERSION_TEXT ||
    keyId === undefined ||
    !KEY_ID.test(keyId) ||
    iv === undefined ||
    !BASE64URL.test(iv) ||
    data === undefined ||
    !BASE64URL.test(data)
  ) {
    throw new DecryptionError("not an Embargo ciphertext (expected v1.<keyId>.<iv>.<data>)");
  }
  const ivBytes = Buffer.from(iv, "base64url");
  const body = Buffer.from(data, "base64url");
  if (ivBytes.length !== IV_LENGTH || body.length < TAG_LENGTH) {
    throw new DecryptionError("truncated Embargo ciphertext");
  }
  return {
    keyId,
    iv: ivBytes,
    ciphertext: body.subarray(0, body.length - TAG_LENGTH),
    tag: body.subarray(body.length - TAG_LENGTH),
  };
}

function parseBytes(envelope: Buffer): TextParts {
  const idLength = envelope[1];
  if (envelope[0] !== VERSION_BYTE || idLength === undefined) {
    throw new DecryptionError("not an Embargo binary ciphertext (unknown version)");
  }
  const ivStart = 2 + idLength;
  const tagStart = ivStart + IV_LENGTH;
  const dataStart = tagStart + TAG_LENGTH;
  const keyId = envelope.subarray(2, ivStart).toString("latin1");
  if (envelope.length < dataStart || !KEY_ID.test(keyId)) {
    throw new DecryptionError("truncated Embargo binary ciphertext");
  }
  return {
    keyId,
    iv: envelope.subarray(ivStart, tagStart),
    tag: envelope.subarray(tagStart, dataStart),
    ciphertext: envelope.subarray(dataStart),
  };
}

/** Encrypts bytes with an explicit key into the text format (used to wrap data keys). */
export function sealText(key: Buffer, keyId: string, plaintext: Buffer, aad: string): string {
  checkKey(key, keyId);
  const { iv, tag, ciphertext } = seal(key, plaintext, aad);
  return [
    VERSION_TEXT,
    keyId,
    iv.toString("base64url"),
    Buffer.concat([ciphertext, tag]).toString("base64url"),
  ].join(".");
}

/** Decrypts a text envelope with an explicit key (the caller picked it from `keyIdOf`). */
export function openText(key: Buffer, envelope: string, aad: string): Buffer {
  return open(key, parseText(envelope), aad);
}

/** Encrypts a string under the keyring's active key. */
export function encryptText(keyring: KeySource, plaintext: string, aad: string): string {
  const { id, key } = keyring.active;
  return sealText(key, id, Buffer.from(plaintext, "utf8"), aad);
}

/** Decrypts a text envelope; throws DecryptionError when it was tampered with or the AAD differs. */
export function decryptText(keyring: KeySource, envelope: string, aad: string): string {
  const parts = parseText(envelope);
  return open(keyring.get(parts.keyId), parts, aad).toString("utf8");
}

/** Bytes encrypted at a time by encryptBytes: its only transient copy is this big. */
const BYTES_CHUNK = 1024 * 1024;

/**
 * Encrypts bytes (attachments, raw mail) under the keyring's active key into the binary format.
 * The ciphertext is written into the envelope chunk by chunk: a 25 MB message costs one 25 MB
 * buffer, not three (update's output, the sealed copy, the envelope), issue 14 finding 4.
 */
export function encryptBytes(keyring: KeySource, plaintext: Buffer, aad: string): Buffer {
  const { id, key } = keyring.active;
  checkKey(key, id);
  const keyId = Buffer.from(id, "latin1");
  const iv = randomBytes(IV_LENGTH);
  const tagStart = 2 + keyId.length + IV_LENGTH;
  const dataStart = tagStart + TAG_LENGTH;
  const envelope = Buffer.allocUnsafe(dataStart + plaintext.length);
  envelope[0] = VERSION_BYTE;
  envelope[1] = keyId.length;
  keyId.copy(envelope, 2);
  iv.copy(envelope, 2 + keyId.length);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  let at = dataStart;
  for (let offset = 0; offset < plaintext.length; offset += BYTES_CHUNK) {
    at += cipher.update(plaintext.subarray(offset, offset + BYTES_CHUNK)).copy(envelope, at);
  }
  at += cipher.final().copy(envelope, at); // nothing for GCM; copied should that ever change
  cipher.getAuthTag().copy(envelope, tagStart);
  return at === envelope.length ? envelope : envelope.subarray(0, at);
}

/** Decrypts a binary envelope; throws DecryptionError when it was tampered with or the AAD differs. */
export function decryptBytes(keyring: KeySource, envelope: Buffer, aad: string): Buffer {
  const parts = parseBytes(envelope);
  return open(keyring.get(parts.keyId), parts, aad);
}

/** The id of the key that encrypted an envelope (text or binary), without decrypting it. */
export function keyIdOf(envelope: string | Buffer): string {
  return typeof envelope === "string" ? parseText(envelope).keyId : parseBytes(envelope).keyId;
}
