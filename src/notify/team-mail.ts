import type * as openpgp from "openpgp";
import type { Recipient } from "../domain/notifications/recipients.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Notification } from "./notification.js";
import { teamMailKey } from "./team-mail-keys.js";

/**
 * How the delivery worker sends one team email (to a contact or a team member), decided at
 * sending, from the policy as it is then. Without `encryption.allCommunication`, as built. With
 * it: encrypted to the recipient's key when there is a usable one, whatever the mail says.
 * Otherwise the mail goes in clear, so it must not carry report content. When the team's email
 * is confidential, the queued notification may hold content even for a recipient without a key
 * now (the key expired, or a policy reload took it away, after it was queued), so only what
 * happened (the subject, which never holds content) and the link go out. When it is not, the
 * notification was built without content (notification-content.ts) and goes as built.
 *
 * Encrypting here, not when the notification is queued: the outbox already keeps the
 * notification encrypted at rest (src/store/outbox.ts), the key in use is the one the policy
 * gives at sending, and reporter mail is built at sending the same way (src/mail/outbound.ts).
 */
export type TeamMailPlan =
  | { send: "encrypted"; key: openpgp.PublicKey }
  | { send: "as-built" }
  | { send: "without-content"; programName: string };

export async function planTeamMail(
  program: LoadedPolicy | undefined,
  recipient: Recipient,
): Promise<TeamMailPlan> {
  if (program === undefined || !program.policy.encryption.allCommunication) return { send: "as-built" };
  if (recipient.kind !== "contact" && recipient.kind !== "user") return { send: "as-built" };
  const key = await teamMailKey(program, recipient);
  if (key.usable) return { send: "encrypted", key: key.key };
  return program.policy.notifications.email.confidential
    ? { send: "without-content", programName: program.policy.program.name }
    : { send: "as-built" };
}

/**
 * The notification with its text replaced by what happened (its subject, which never holds
 * report content) and the link. For a team member without a key that can be used now.
 * `caseLabel`: how the case is named (`KITSU-12`), read by the caller when the notification has a case.
 */
export function withoutContent(
  notification: Notification,
  programName: string,
  caseLabel: string | null,
): Notification {
  const about = caseLabel === null ? "There is news." : `There is news on case ${caseLabel}.`;
  const lines = [
    about,
    `${programName}'s policy has all communication encrypted, and it gives no OpenPGP key of yours that can be encrypted to now, so this mail leaves the details out. An administrator can add or renew your key in the policy (contacts[].openpgpKey, armored or file).`,
    ...(notification.url === null ? [] : [`Open the case: ${notification.url}`]),
  ];
  return { ...notification, text: lines.join("\n\n") };
}
