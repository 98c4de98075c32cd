import type { Policy } from "../../policy/schema.js";

/**
 * Who a notification goes to. A policy's notify list names contacts (by id) or the roles
 * `assignee`, `followers` and `reporter`; rules of Embargo's own (an action item's clock) may also
 * name one team member as `user:<id>`. This turns a list into addresses for one case. Pure.
 */
export type Recipient =
  | { kind: "contact"; id: string; email: string }
  | { kind: "user"; id: string; email: string }
  | { kind: "reporter"; email: string }
  | { kind: "webhook"; id: string };

export interface CasePeople {
  assignee: { id: string; email: string } | null;
  followers: readonly { id: string; email: string }[];
  /** The reporter's address, when they gave one. */
  reporterEmail: string | null;
  /**
   * Team members a `user:<id>` entry may name (the owners of the case's open action items), those
   * who may still work the program. Absent or not listed: such an entry reaches nobody.
   */
  owners?: readonly { id: string; email: string }[];
}

/** The notify list entry naming one team member (never a policy contact id: those have no colon). */
export const userEntry = (userId: string): string => `user:${userId}`;
const USER_ENTRY = "user:";

/** A stable name for a recipient, part of idempotency keys: never an address. */
export function recipientKey(recipient: Recipient): string {
  switch (recipient.kind) {
    case "contact":
      return `contact:${recipient.id}`;
    case "user":
      return `user:${recipient.id}`;
    case "reporter":
      return "reporter";
    case "webhook":
      return `webhook:${recipient.id}`;
  }
}

/**
 * The recipients of a notify list, each address once (a contact who is also the assignee gets one
 * mail). Contacts without an email address (a chat profile only) are left out; people the
 * `exclude` list names (the team member who made the change) are not told of their own doing.
 */
export function resolveNotifyList(
  list: readonly string[],
  policy: Policy,
  people: CasePeople,
  exclude: readonly string[] = [],
): Recipient[] {
  const candidates: Recipient[] = [];
  for (const name of list) {
    if (name === "assignee") {
      if (people.assignee !== null) candidates.push({ kind: "user", ...people.assignee });
    } else if (name === "followers") {
      // `incident.register.followers: false`: the program's cases have no followers, also none
      // left over from before the policy said so.
      if (policy.incident.register?.followers === false) continue;
      for (const follower of people.followers) candidates.push({ kind: "user", ...follower });
    } else if (name === "reporter") {
      if (people.reporterEmail !== null) candidates.push({ kind: "reporter", email: people.reporterEmail });
    } else if (name.startsWith(USER_ENTRY)) {
      const user = people.owners?.find((owner) => owner.id === name.slice(USER_ENTRY.length));
      if (user !== undefined) candidates.push({ kind: "user", ...user });
    } else {
      const contact = policy.contacts.find((c) => c.id === name);
      if (contact?.email !== undefined)
        candidates.push({ kind: "contact", id: contact.id, email: contact.email });
    }
  }
  return uniqueByAddress(candidates.filter((r) => r.kind !== "user" || !exclude.includes(r.id)));
}

function uniqueByAddress(recipients: readonly Recipient[]): Recipient[] {
  const seen = new Set<string>();
  return recipients.filter((recipient) => {
    const address = recipient.kind === "webhook" ? recipientKey(recipient) : recipient.email.toLowerCase();
    if (seen.has(address)) return false;
    seen.add(address);
    return true;
  });
}

/** The program's webhooks that subscribe to a topic. */
export function webhooksFor(
  policy: Policy,
  topic: "new-report" | "escalation" | "case-changes",
): Recipient[] {
  return policy.notifications.webhooks
    .filter((webhook) => webhook.topics.includes(topic))
    .map((webhook) => ({ kind: "webhook", id: webhook.id }));
}

/** Who hears of a new report when the policy does not say: its points of contact. */
export function newReportList(policy: Policy): string[] {
  return (
    policy.notifications.newReport ??
    policy.contacts
      .filter((contact) => contact.roles.includes("point-of-contact"))
      .map((contact) => contact.id)
  );
}
