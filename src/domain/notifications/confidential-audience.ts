import type { Recipient } from "./recipients.js";

/**
 * Who may hear of a confidential case (issue 16): the members named on it (by account, or a policy
 * contact with a named member's address) and its reporter (it is their report). Nobody else: not
 * a follower or assignee who was not named, not another contact, and no webhook (a webhook is a
 * system outside the list). Pure. `named` undefined: the case is not confidential, anyone may.
 */
export interface NamedAudience {
  ids: ReadonlySet<string>;
  /** Lower-cased sign-in addresses of the named members. */
  emails: ReadonlySet<string>;
}

export function mayHear(recipient: Recipient, named: NamedAudience | undefined): boolean {
  if (named === undefined) return true;
  switch (recipient.kind) {
    case "reporter":
      return true;
    case "user":
      return named.ids.has(recipient.id);
    case "contact":
      return named.emails.has(recipient.email.toLowerCase());
    case "webhook":
      return false;
  }
}
