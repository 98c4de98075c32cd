import * as openpgp from "openpgp";
import { assertCanEncrypt, assertCanSign, fingerprintOf } from "./pgp-keys.js";

/**
 * Encrypting, signing, decrypting and verifying OpenPGP messages. Signature problems are results
 * (SignatureCheck), not exceptions: a badly signed report is still a report, and the team decides.
 * Failure to open a message at all is a PgpDecryptError.
 */

export interface SignatureCheck {
  /**
   * valid: made by one of the keys we verify with. invalid: by such a key, but the data or the
   * signature was altered, or the key was not valid when signing. unknown-key: by a key we do not
   * have. unsigned: no signature at all. partial: valid, but over only a part of the message
   * (set by the caller, which knows the message's structure).
   */
  status: "valid" | "partial" | "invalid" | "unknown-key" | "unsigned";
  /** 16 upper-case hex digits: the (sub)key that made the signature. */
  signerKeyId?: string;
  /** Primary key fingerprint of the signer, when we have its key. */
  signerFingerprint?: string;
}

export type PgpDecryptErrorCode = "no-matching-key" | "malformed" | "decrypt-failed" | "too-large";

/** An incoming OpenPGP message cannot be opened. */
export class PgpDecryptError extends Error {
  constructor(
    readonly code: PgpDecryptErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PgpDecryptError";
  }
}

export interface DecryptedMessage {
  /** Exactly the bytes that were encrypted (a MIME entity for PGP/MIME). */
  data: Uint8Array;
  /** `data` as UTF-8, with CRLF line ends turned into LF. */
  text: string;
  signature: SignatureCheck;
  /**
   * False when the armored message was only signed (or plain literal data), which an inline
   * "-----BEGIN PGP MESSAGE-----" block may be: the content was not confidential in transit.
   */
  encrypted: boolean;
}

/** openpgp's per-signature result; its declaration is not exported by the typings. */
type VerificationResult = openpgp.VerifyMessageResult["signatures"][number];

const WILDCARD_KEY_ID = "0000000000000000"; // recipient hidden (gpg --throw-keyids)

/** Signs, then encrypts in one OpenPGP message. Strings become UTF-8 text, bytes stay exact. */
export async function encryptAndSign(options: {
  data: string | Uint8Array;
  encryptTo: openpgp.PublicKey[];
  signWith: openpgp.PrivateKey;
}): Promise<string> {
  if (options.encryptTo.length === 0) throw new RangeError("encryptTo needs at least one public key");
  // Check keys first so the error names the key at fault instead of openpgp's internal wording.
  for (const key of options.encryptTo) await assertCanEncrypt(key);
  await assertCanSign(options.signWith);
  return openpgp.encrypt({
    message: await createMessage(options.data),
    encryptionKeys: options.encryptTo,
    signingKeys: options.signWith,
  });
}

/**
 * Encrypts without a signature: for mail whose sender has no key to sign with (a program without
 * its own key still encrypts the team's mail to their keys). Strings become UTF-8 text.
 */
export async function encryptOnly(options: {
  data: string | Uint8Array;
  encryptTo: openpgp.PublicKey[];
}): Promise<string> {
  if (options.encryptTo.length === 0) throw new RangeError("encryptTo needs at least one public key");
  for (const key of options.encryptTo) await assertCanEncrypt(key);
  return openpgp.encrypt({ message: await createMessage(options.data), encryptionKeys: options.encryptTo });
}

/** A cleartext-signed message ("-----BEGIN PGP SIGNED MESSAGE-----"), for inline signed mail. */
export async function signCleartext(text: string, key: openpgp.PrivateKey): Promise<string> {
  await assertCanSign(key);
  const message = await openpgp.createCleartextMessage({ text });
  return openpgp.sign({ message, signingKeys: key });
}

/**
 * An armored detached signature over exactly these bytes (a string is signed as its UTF-8 bytes).
 * A binary-mode signature: nothing is canonicalised, so callers pass the canonical (CRLF) form.
 */
export async function signDetached(data: string | Uint8Array, key: openpgp.PrivateKey): Promise<string> {
  await assertCanSign(key);
  const message = await openpgp.createMessage({ binary: toBytes(data) });
  return openpgp.sign({ message, signingKeys: key, detached: true });
}

/**
 * Decrypts with any of our keys and checks the signature inside against the given keys.
 * `maxBytes` bounds what compressed data may expand to: a few hundred kilobytes of compressed
 * zeros would otherwise become gigabytes in memory.
 */
export async function decryptAndVerify(options: {
  armored: string;
  decryptWith: openpgp.PrivateKey[];
  verifyWith: openpgp.PublicKey[];
  maxBytes: number;
}): Promise<DecryptedMessage> {
  let message: openpgp.Message<string>;
  try {
    message = await openpgp.readMessage({ armoredMessage: options.armored });
  } catch {
    throw new PgpDecryptError("malformed", "the OpenPGP message is damaged or is not an OpenPGP message");
  }
  const config = { maxDecompressedMessageSize: options.maxBytes };
  if (!isEncrypted(message)) return openSignedOnly(message, options.verifyWith, config);

  const recipients = message.getEncryptionKeyIDs();
  const hidden = recipients.some((id) => id.toHex() === WILDCARD_KEY_ID);
  // getKeys() matches every key for the wildcard id, so only named recipients can prove "ours".
  const named = recipients.filter((id) => id.toHex() !== WILDCARD_KEY_ID);
  const ours = options.decryptWith.some((key) => named.some((id) => key.getKeys(id).length > 0));
  if (!ours && !hidden) {
    const listed = named.map((id) => id.toHex().toUpperCase()).join(", ");
    throw new PgpDecryptError(
      "no-matching-key",
      recipients.length === 0
        ? "the message is encrypted with a passphrase, not to our key"
        : `the message is encrypted to key ${listed}, not to our key`,
    );
  }
  let result: { data: Uint8Array; signatures: VerificationResult[] };
  try {
    result = await openpgp.decrypt({
      message,
      decryptionKeys: options.decryptWith,
      verificationKeys: options.verifyWith,
      format: "binary",
      config,
    });
  } catch (error) {
    if (isDecompressionLimit(error)) throw tooLarge(options.maxBytes);
    throw hidden && !ours
      ? new PgpDecryptError(
          "no-matching-key",
          "the message is encrypted to a hidden recipient that is not our key",
        )
      : new PgpDecryptError(
          "decrypt-failed",
          "the message could not be decrypted: it is damaged or was altered",
        );
  }
  return {
    data: result.data,
    text: toText(result.data),
    signature: await checkSignatures(result.signatures, options.verifyWith),
    encrypted: true,
  };
}

/** Checks an armored detached signature over exactly `data`. An unreadable signature is invalid. */
export async function verifyDetached(options: {
  data: Uint8Array;
  armoredSignature: string;
  verifyWith: openpgp.PublicKey[];
}): Promise<SignatureCheck> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: options.armoredSignature });
  } catch {
    return { status: "invalid" };
  }
  const message = await openpgp.createMessage({ binary: options.data });
  const result = await openpgp.verify({
    message,
    signature,
    verificationKeys: options.verifyWith,
    format: "binary",
  });
  return checkSignatures(result.signatures, options.verifyWith);
}

/** Checks a cleartext-signed message ("-----BEGIN PGP SIGNED MESSAGE-----") and returns its text. */
export async function verifyCleartext(options: {
  cleartext: string;
  verifyWith: openpgp.PublicKey[];
}): Promise<{ text: string; signature: SignatureCheck }> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: options.cleartext });
  } catch {
    throw new PgpDecryptError(
      "malformed",
      "the signed message is damaged or is not an OpenPGP signed message",
    );
  }
  const result = await openpgp.verify({ message, verificationKeys: options.verifyWith });
  return { text: result.data, signature: await checkSignatures(result.signatures, options.verifyWith) };
}

/** Reduces a message's signatures to one verdict: any valid one wins, then any invalid one. */
async function checkSignatures(
  results: VerificationResult[],
  verifyWith: openpgp.PublicKey[],
): Promise<SignatureCheck> {
  const checks = await Promise.all(results.map((result) => checkSignature(result, verifyWith)));
  return (
    checks.find((c) => c.status === "valid") ??
    checks.find((c) => c.status === "invalid") ??
    checks[0] ?? { status: "unsigned" }
  );
}

async function checkSignature(
  result: VerificationResult,
  verifyWith: openpgp.PublicKey[],
): Promise<SignatureCheck> {
  // openpgp rejects this promise too when the signature is bad; nobody else awaits it.
  result.signature.catch(() => undefined);
  const signerKeyId = result.keyID.toHex().toUpperCase();
  const signer = verifyWith.find((key) => key.getKeys(result.keyID).length > 0);
  let valid: boolean;
  try {
    valid = (await result.verified) === true;
  } catch {
    valid = false;
  }
  if (!signer) return { status: "unknown-key", signerKeyId };
  return { status: valid ? "valid" : "invalid", signerKeyId, signerFingerprint: fingerprintOf(signer) };
}

async function openSignedOnly(
  message: openpgp.Message<string>,
  verifyWith: openpgp.PublicKey[],
  config: { maxDecompressedMessageSize: number },
): Promise<DecryptedMessage> {
  let result: { data: Uint8Array; signatures: VerificationResult[] };
  try {
    result = await openpgp.verify({ message, verificationKeys: verifyWith, format: "binary", config });
  } catch (error) {
    if (isDecompressionLimit(error)) throw tooLarge(config.maxDecompressedMessageSize);
    throw new PgpDecryptError("malformed", "the OpenPGP message holds neither encrypted nor literal data");
  }
  return {
    data: result.data,
    text: toText(result.data),
    signature: await checkSignatures(result.signatures, verifyWith),
    encrypted: false,
  };
}

/** openpgp's words when compressed data expands past maxDecompressedMessageSize. */
function isDecompressionLimit(error: unknown): boolean {
  return error instanceof Error && /maximum decompressed (message )?size exceeded/i.test(error.message);
}

function tooLarge(maxBytes: number): PgpDecryptError {
  return new PgpDecryptError(
    "too-large",
    `the encrypted content expands to more than ${maxBytes} bytes; it was not opened`,
  );
}

function isEncrypted(message: openpgp.Message<string>): boolean {
  const tags = openpgp.enums.packet;
  return (
    message.packets.filterByTag(
      tags.symEncryptedIntegrityProtectedData,
      tags.aeadEncryptedData,
      tags.symmetricallyEncryptedData,
    ).length > 0
  );
}

async function createMessage(data: string | Uint8Array): Promise<openpgp.Message<string | Uint8Array>> {
  return typeof data === "string"
    ? openpgp.createMessage({ text: data })
    : openpgp.createMessage({ binary: toBytes(data) });
}

function toBytes(data: string | Uint8Array): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  // A Buffer is a Uint8Array, but a view of a shared pool: hand openpgp exactly the bytes.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function toText(data: Uint8Array): string {
  return new TextDecoder("utf-8").decode(data).replace(/\r\n/g, "\n");
}
