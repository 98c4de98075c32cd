import type * as openpgp from "openpgp";
import type { Logger } from "pino";
import type { Recipient } from "../domain/notifications/recipients.js";
import { PgpKeyError, readPublicKey } from "../mail/pgp-keys.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";

/**
 * The team's OpenPGP keys, for a policy with `encryption.allCommunication`: team mail that
 * carries report content is encrypted to the recipient contact's key (`contacts[].openpgpKey`,
 * `armored` or `file`). A `url` key is only published, never fetched, so it counts as no key.
 * A contact without a usable key gets no report content at all, and admins are told so: at start
 * (warnOfUnencryptableContacts) and on the staff pages (unencryptableContacts).
 *
 * A team member (assignee, follower) is matched to a contact by address: the key is bound to the
 * address the mail goes to. A member who is no contact has no key, so gets no content.
 */

type Contact = Policy["contacts"][number];

export type UnencryptableReason = "no-key" | "url-only" | "unusable";

export interface UnencryptableContact {
  contactId: string;
  reason: UnencryptableReason;
  /** What is wrong and what to do, for an admin. Never key material. */
  message: string;
}

export type TeamKey =
  | { usable: true; key: openpgp.PublicKey }
  | { usable: false; reason: UnencryptableReason; message: string };

/** The policy contact a team recipient is: a contact by id, a team member by the contact's address. */
export function contactOf(policy: Policy, recipient: Recipient): Contact | undefined {
  switch (recipient.kind) {
    case "contact":
      return policy.contacts.find((contact) => contact.id === recipient.id);
    case "user": {
      const address = recipient.email.toLowerCase();
      return policy.contacts.find((contact) => contact.email?.toLowerCase() === address);
    }
    default:
      return undefined;
  }
}

/**
 * Whether the team's email to this recipient may carry report content: the policy says so
 * (`notifications.email.confidential`) and, when all communication is encrypted, the policy gives
 * the recipient a key Embargo can encrypt to. Whether that key still works (expired, revoked) is
 * checked at delivery, which then leaves the content out (src/notify/team-mail.ts).
 */
export function teamMayReadContent(policy: Policy, recipient: Recipient): boolean {
  if (!policy.notifications.email.confidential) return false;
  if (!policy.encryption.allCommunication) return true;
  const ref = contactOf(policy, recipient)?.openpgpKey;
  return ref?.armored !== undefined || ref?.file !== undefined;
}

/** The key to encrypt team mail to this recipient with, or why there is none. */
export async function teamMailKey(program: LoadedPolicy, recipient: Recipient): Promise<TeamKey> {
  const contact = contactOf(program.policy, recipient);
  if (contact === undefined) {
    return { usable: false, reason: "no-key", message: "the recipient is not a contact of the policy" };
  }
  return keyOfContact(program, contact);
}

/**
 * The contacts that get mail and whose mail cannot be encrypted, when the policy has all
 * communication encrypted (otherwise none): for a banner on the staff pages.
 */
export async function unencryptableContacts(program: LoadedPolicy): Promise<UnencryptableContact[]> {
  if (!program.policy.encryption.allCommunication) return [];
  const found: UnencryptableContact[] = [];
  for (const contact of program.policy.contacts) {
    if (contact.email === undefined) continue; // never mailed
    const key = await keyOfContact(program, contact);
    if (!key.usable) found.push({ contactId: contact.id, reason: key.reason, message: key.message });
  }
  return found;
}

/** Says at start which contacts get team mail without report content. Ids and reasons only. */
export async function warnOfUnencryptableContacts(
  programs: readonly LoadedPolicy[],
  logger: Logger,
): Promise<void> {
  for (const program of programs) {
    for (const contact of await unencryptableContacts(program)) {
      logger.warn(
        { program: program.policy.program.slug, contact: contact.contactId, reason: contact.reason },
        "encryption.allCommunication is on, but this contact has no usable OpenPGP key: team mail to them carries no report content (give contacts[].openpgpKey as armored or file)",
      );
    }
  }
}

async function keyOfContact(program: LoadedPolicy, contact: Contact): Promise<TeamKey> {
  const ref = contact.openpgpKey;
  if (ref === undefined) {
    return {
      usable: false,
      reason: "no-key",
      message: `contact ${contact.id} has no OpenPGP key in the policy (contacts[].openpgpKey)`,
    };
  }
  if (ref.url !== undefined) {
    return {
      usable: false,
      reason: "url-only",
      message: `contact ${contact.id}'s OpenPGP key is only a url, which Embargo publishes and never fetches: give it as armored or file`,
    };
  }
  // The loader read every armored and file key, or refused the policy.
  const resolved = program.contactKeys.get(contact.id);
  if (resolved === undefined) {
    return {
      usable: false,
      reason: "unusable",
      message: `contact ${contact.id}'s OpenPGP key could not be read`,
    };
  }
  try {
    return { usable: true, key: await readPublicKey(resolved.armored) };
  } catch (error) {
    if (!(error instanceof PgpKeyError)) throw error;
    return {
      usable: false,
      reason: "unusable",
      message: `contact ${contact.id}'s OpenPGP key cannot be used to encrypt: ${error.message}`,
    };
  }
}
