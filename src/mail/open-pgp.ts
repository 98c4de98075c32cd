import type * as openpgp from "openpgp";
import type { MailFacts } from "../store/events.js";
import {
  type InboundAttachment,
  type InboundLimits,
  type InboundMail,
  InboundMailError,
  parseInboundMail,
} from "./inbound-parse.js";
import { readPublicKey } from "./pgp-keys.js";
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
        signature = await verifyDetached({
          data: innerDetection.signedPart,
          armoredSignature: innerDetection.armoredSignature,
          verifyWith: verifyWith(innerKey),
        });
      } else if (signature.status === "unknown-key" && innerKey !== undefined) {
        // The sender's key came inside the encryption: check the signature with it.
        decrypted = await decrypt(detection.armored, keys, verifyWith(innerKey));
        signature = decrypted.signature;
      }
      return {
        text: innerMail.text,
        subject: innerMail.subject.trim() === "" ? null : innerMail.subject,
        attachments: withoutOpenPgpParts(innerMail.attachments),
        facts: factsOf(true, signature),
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
      const signature = await verifyDetached({
        data: detection.signedPart,
        armoredSignature: detection.armoredSignature,
        verifyWith: verifyWith(),
      });
      return {
        text: mail.text,
        subject: null,
        attachments: withoutOpenPgpParts(mail.attachments),
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
      return {
        text: checked.text,
        subject: null,
        attachments: withoutOpenPgpParts(mail.attachments),
        facts: factsOf(false, checked.signature),
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

async function decrypt(
  armored: string,
  decryptWith: openpgp.PrivateKey[],
  verifyWith: openpgp.PublicKey[],
): Promise<DecryptedMessage> {
  try {
    return await decryptAndVerify({ armored, decryptWith, verifyWith });
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

function factsOf(encrypted: boolean, signature: SignatureCheck): MailFacts {
  return { encrypted, signature: signature.status, signer: signature.signerFingerprint ?? null };
}
