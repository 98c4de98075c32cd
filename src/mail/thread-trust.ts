/**
 * When a reply may join a case by its In-Reply-To / References (src/mail/ingest.ts findCase).
 *
 * Two kinds of Message-ID thread to a case, and they are not worth the same:
 * - Ours (messageIdFor in src/mail/addresses.ts: an HMAC under the mail key, at our mail
 *   domain) went only to the reporter, in our receipt or notice, and cannot be guessed: naming
 *   one is as good as writing to the case's secret reply address.
 * - The reporter's own (their report's, their replies') are chosen by their mail program and
 *   seen by anyone their mail passed; some are predictable. Naming one proves nothing, so such a
 *   reply joins the case only when it comes from the reporter's address (its From and its
 *   envelope sender, when it has one), or is signed by the key the case knows. Otherwise it was
 *   written by someone else (a guessed Message-ID, or a third party answering the reporter's
 *   mail): it goes to the queue for a person, never onto the case as "the reporter wrote".
 *
 * Pure functions: values in, decisions out.
 */

const OUR_DIGEST = /^[0-9a-f]{32}$/;

/** Whether `messageId` (with or without angle brackets) has the form of one of ours. */
export function isOurMessageId(messageId: string, mailDomain: string): boolean {
  let bare = messageId.trim().toLowerCase();
  if (bare.startsWith("<") && bare.endsWith(">")) bare = bare.slice(1, -1);
  const at = bare.indexOf("@");
  return at === 32 && OUR_DIGEST.test(bare.slice(0, at)) && bare.slice(at + 1) === mailDomain.toLowerCase();
}

/**
 * Whether a message comes from the case's reporter as far as addresses can say: the From is the
 * address the case has, and so is the envelope sender when there is one. (Addresses can be
 * forged; this keeps out a stranger who only guessed a Message-ID, not one who forges both.)
 */
export function fromReporterAddress(
  reporterEmail: string | undefined,
  from: string | null,
  envelopeSender: string | null | undefined,
): boolean {
  if (reporterEmail === undefined || from === null) return false;
  const reporter = reporterEmail.trim().toLowerCase();
  if (from.trim().toLowerCase() !== reporter) return false;
  return typeof envelopeSender !== "string" || envelopeSender.trim().toLowerCase() === reporter;
}

/** Whether the message is signed, validly, by the key the case already knew. */
export function signedByCaseKey(facts: { signature: string; signerKey?: "case" | "attached" }): boolean {
  return facts.signature === "valid" && facts.signerKey === "case";
}

/** The queue's problem text for a reply that named a case's thread but came from someone else. */
export function otherSenderProblem(caseId: string): string {
  return (
    `other-sender: answers a message of case ${caseId}, but does not come from its reporter's address ` +
    "and is not signed with the case's key; not added to the case. Read it, and add what belongs by hand"
  );
}
