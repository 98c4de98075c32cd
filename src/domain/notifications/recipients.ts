import type { Policy, TeamGroupPolicy } from "../../policy/schema.js";

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
  /** The team member the case is assigned to; null when unassigned or assigned to a group. */
  assignee: { id: string; email: string } | null;
  /**
   * The case is assigned to a team group (`team.groups`): its members who have an account that
   * may work the program (matched by address). Absent otherwise.
   */
  assigneeGroup?: readonly { id: string; email: string }[];
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

/**
 * A case assigned to a team group holds `group:<group id>` in its assignee column, where a member
 * holds their user id (16 base32 characters: never a colon, so the two cannot be confused).
 */
const GROUP_ASSIGNEE = "group:";
export const groupAssignee = (groupId: string): string => `${GROUP_ASSIGNEE}${groupId}`;

/** The policy's group a case's assignee names; undefined for a member, nobody, or a group the policy lost. */
export function assignedGroup(policy: Policy, assignee: string | null): TeamGroupPolicy | undefined {
  if (assignee === null || !assignee.startsWith(GROUP_ASSIGNEE)) return undefined;
  const id = assignee.slice(GROUP_ASSIGNEE.length);
  return (policy.team.groups ?? []).find((group) => group.id === id);
}

/** How the team sees a case assigned to a team group: by the group's name. */
export const teamLabel = (group: TeamGroupPolicy): string => `Team: ${group.name}`;

/** The addresses (lower-cased) of a group's member contacts who have one: how their accounts are found. */
export function groupMemberEmails(policy: Policy, group: TeamGroupPolicy): string[] {
  return group.members.flatMap((id) => {
    const email = policy.contacts.find((contact) => contact.id === id)?.email;
    return email === undefined ? [] : [email.toLowerCase()];
  });
}

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
      for (const member of people.assigneeGroup ?? []) candidates.push({ kind: "user", ...member });
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
