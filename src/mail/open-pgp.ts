import type * as openpgp from "openpgp";
import type { MailFacts } from "../store/events.js";
import {
  type InboundAttachment,
  type InboundLimits,
  type InboundMail,
  InboundMailError,
  parseInboundMail,
} from "./inbound-parse.js";
import { fingerprintOf, readPublicKey } from "./pgp-keys.js";
import {
  type DecryptedMessage,
  decryptAndVerify,
  PgpDecryptError,
  type SignatureCheck,
  verifyCleartext,
  verifyDetached,
} from "./pgp-message.js";
import { detectPgp } from "./pgp-mime.js";

/**
 * Opens what OpenPGP protects in a received message: PGP/MIME (RFC 3156) encrypted or signed, or
 * inline blocks in the text. Decrypts with the program's keys; checks signatures against the key
 * the sender attached (outside or inside the encryption) or the one their case already knows. A
 * bad or unknown signature is a fact shown on the case, not a reason to refuse the report.
 *
 * What "signature valid" is worth is said with it: whether the key is the one the case already
 * knew or one that came with this very message (anyone can attach a key naming anyone), whether
 * the key names the From address, and whether the signature covers the whole message or only a
 * part of it that someone wrapped in unsigned content.
 */
export interface OpenedMail {
  text: string;
  /** The subject protected inside the encryption, when there is one. */
  subject: string | null;
  /** Without the OpenPGP parts themselves (signatures, keys). */
  attachments: InboundAttachment[];
  facts: MailFacts;
  /** The public key the sender attached, armored: kept on the case to encrypt answers to. */
  senderKey: string | null;
}

/** A message that cannot be opened: encrypted to a key we lack, damaged, over the limits inside. */
export class MailUnreadable extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "MailUnreadable";
  }
}

const OPENPGP_TYPES = new Set([
  "application/pgp-signature",
  "application/pgp-encrypted",
  "application/pgp-keys",
]);
const KEY_BLOCK = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

export async function openPgp(
  raw: Buffer,
  mail: InboundMail,
  options: {
    decryptionKeys: () => Promise<openpgp.PrivateKey[]>;
    knownSenderKey: string | null;
    limits: InboundLimits;
  },
): Promise<OpenedMail> {
  const outerKey = await attachedKey(mail.attachments);
  const known =
    options.knownSenderKey === null
      ? undefined
      : await readPublicKey(options.knownSenderKey).catch(() => undefined);
  const verifyWith = (...extra: (openpgp.PublicKey | undefined)[]) =>
    [outerKey, known, ...extra].filter((key): key is openpgp.PublicKey => key !== undefined);
  const factsOf = (encrypted: boolean, signature: SignatureCheck, extra?: openpgp.PublicKey) =>
    mailFactsOf(encrypted, signature, { known, candidates: verifyWith(extra), from: mail.from?.address });
  const decrypt = (armored: string, keys: openpgp.PrivateKey[], verifyKeys: openpgp.PublicKey[]) =>
    decryptWithin(armored, keys, verifyKeys, options.limits.maxTotalBytes);
  const detection = detectPgp(raw);

  switch (detection.kind) {
    case "pgp-mime-encrypted": {
      const keys = await programKeys(options);
      let decrypted = await decrypt(detection.armored, keys, verifyWith());
      const inner = Buffer.from(decrypted.data);
      const innerMail = await parseInner(inner, options.limits);
      const innerKey = await attachedKey(innerMail.attachments);
      let signature = decrypted.signature;
      const innerDetection = detectPgp(inner);
      if (innerDetection.kind === "pgp-mime-signed") {
        // Signed, then encrypted as a whole (RFC 3156 §6.1): the signature is inside.
        signature = coverage(
          innerDetection,
          await verifyDetached({
            data: innerDetection.signedPart,
            armoredSignature: innerDetection.armoredSignature,
            verifyWith: verifyWith(innerKey),
          }),
        );
      } else if (signature.status === "unknown-key" && innerKey !== undefined) {
        // The sender's key came inside the encryption: check the signature with it.
        decrypted = await decrypt(detection.armored, keys, verifyWith(innerKey));
        signature = decrypted.signature;
      }
      return {
        text: innerMail.text,
        subject: innerMail.subject.trim() === "" ? null : innerMail.subject,
        attachments: withoutOpenPgpParts(innerMail.attachments),
        facts: factsOf(true, signature, innerKey),
        senderKey: armorOf(innerKey ?? outerKey),
      };
    }
    case "inline-encrypted": {
      const keys = await programKeys(options);
      const decrypted = await decrypt(detection.armored, keys, verifyWith());
      return {
        text: decrypted.text,
        subject: null,
        attachments: withoutOpenPgpParts(mail.attachments),
        facts: factsOf(decrypted.encrypted, decrypted.signature),
        senderKey: armorOf(outerKey),
      };
    }
    case "pgp-mime-signed": {
      const signature = coverage(
        detection,
        await verifyDetached({
          data: detection.signedPart,
          armoredSignature: detection.armoredSignature,
          verifyWith: verifyWith(),
        }),
      );
      // The whole message signed: its content is the signed part, read as signed. Only part of
      // it: everything is kept, and the facts say the signature does not cover it all.
      const content = detection.whole ? await parseInner(detection.signedPart, options.limits) : mail;
      return {
        text: content.text,
        subject: null,
        attachments: withoutOpenPgpParts(content.attachments),
        facts: factsOf(false, signature),
        senderKey: armorOf(outerKey),
      };
    }
    case "inline-signed": {
      const checked = await verifyCleartext({
        cleartext: detection.cleartext,
        verifyWith: verifyWith(),
      }).catch((error: unknown) => {
        if (error instanceof PgpDecryptError)
          return { text: mail.text, signature: { status: "invalid" } as const };
        throw error;
      });
      // A cleartext signature covers its block only: text around it, or files beside it, were
      // not signed. Then everything is kept and the signature is called partial.
      const files = withoutOpenPgpParts(mail.attachments);
      const whole = sameText(mail.text, detection.cleartext) && files.length === 0;
      return {
        text: whole ? checked.text : mail.text,
        subject: null,
        attachments: files,
        facts: factsOf(false, coverage({ whole }, checked.signature)),
        senderKey: armorOf(outerKey),
      };
    }
    case "none":
      return {
        text: mail.text,
        subject: null,
        attachments: withoutOpenPgpParts(mail.attachments),
        facts: { encrypted: false, signature: "unsigned", signer: null },
        senderKey: armorOf(outerKey),
      };
  }
}

async function programKeys(options: { decryptionKeys: () => Promise<openpgp.PrivateKey[]> }) {
  const keys = await options.decryptionKeys();
  if (keys.length === 0) {
    throw new MailUnreadable(
      "no-program-key",
      "the message is encrypted, but this program has no OpenPGP key",
    );
  }
  return keys;
}

async function decryptWithin(
  armored: string,
  decryptWith: openpgp.PrivateKey[],
  verifyWith: openpgp.PublicKey[],
  maxBytes: number,
): Promise<DecryptedMessage> {
  try {
    return await decryptAndVerify({ armored, decryptWith, verifyWith, maxBytes });
  } catch (error) {
    if (error instanceof PgpDecryptError) throw new MailUnreadable(error.code, error.message);
    throw error;
  }
}

async function parseInner(inner: Buffer, limits: InboundLimits): Promise<InboundMail> {
  try {
    return await parseInboundMail(inner, limits);
  } catch (error) {
    if (error instanceof InboundMailError) throw new MailUnreadable(error.code, error.message);
    throw error;
  }
}

function isKeyFile(file: InboundAttachment): boolean {
  return (
    file.contentType === "application/pgp-keys" ||
    file.content.subarray(0, 4096).toString("latin1").includes(KEY_BLOCK)
  );
}

async function attachedKey(
  attachments: readonly InboundAttachment[],
): Promise<openpgp.PublicKey | undefined> {
  for (const file of attachments.filter(isKeyFile)) {
    const key = await readPublicKey(file.content.toString("utf8")).catch(() => undefined);
    if (key !== undefined) return key;
  }
  return undefined;
}

function withoutOpenPgpParts(attachments: readonly InboundAttachment[]): InboundAttachment[] {
  return attachments.filter((file) => !OPENPGP_TYPES.has(file.contentType) && !isKeyFile(file));
}

function armorOf(key: openpgp.PublicKey | undefined): string | null {
  return key === undefined ? null : key.armor();
}

function sameText(a: string, b: string): boolean {
  const normal = (text: string) => text.replace(/\r\n/g, "\n").trim();
  return normal(a) === normal(b);
}

/** A valid signature over only a part of the message says so. */
function coverage(detection: { whole: boolean }, signature: SignatureCheck): SignatureCheck {
  return signature.status === "valid" && !detection.whole ? { ...signature, status: "partial" } : signature;
}

function mailFactsOf(
  encrypted: boolean,
  signature: SignatureCheck,
  keys: { known: openpgp.PublicKey | undefined; candidates: openpgp.PublicKey[]; from: string | undefined },
): MailFacts {
  const facts: MailFacts = {
    encrypted,
    signature: signature.status,
    signer: signature.signerFingerprint ?? null,
  };
  const fingerprint = signature.signerFingerprint;
  const signer = keys.candidates.find((key) => fingerprintOf(key) === fingerprint);
  if (fingerprint === undefined || signer === undefined) return facts;
  const from = keys.from?.toLowerCase();
  return {
    ...facts,
    signerKey: keys.known !== undefined && fingerprintOf(keys.known) === fingerprint ? "case" : "attached",
    signerNamesFrom:
      from !== undefined && signer.users.some((user) => user.userID?.email.toLowerCase() === from),
  };
}
