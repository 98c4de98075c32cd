import type { Keeper } from "./keepers.js";
import {
  DISCLOSURE_PHASES,
  EMBARGO,
  enforced,
  notYet,
  PRIVACY_API,
  PRIVACY_INCIDENT,
  published,
  test,
  USER_NOTIFICATION,
} from "./keepers.js";

/** Who keeps the promises of disclosure and recognition. */
export const DISCLOSURE_PROMISES: Readonly<Record<string, Keeper>> = {
  // disclosure
  "disclosure.embargo.within": enforced(
    "the case page, the staff API and `policy clocks` show when the embargo ends on each case",
    EMBARGO,
  ),
  "disclosure.embargo.startsAt": enforced(
    "the embargo runs from this event of the case",
    EMBARGO,
    test(
      "src/domain/clocks/disclosure.test.ts",
      "waits for the fix release when it starts there, and is absent without a policy embargo",
    ),
  ),
  "disclosure.embargo.text": published(
    "the policy's own words for the embargo, on the policy page and beside it on the case page",
  ),
  "disclosure.reporterWarning.required": notYet(
    12,
    "the case records the reporter's warning before they disclose",
  ),
  "disclosure.reporterWarning.written": notYet(12, "the reporter's warning is taken in writing"),
  "disclosure.reporterWarning.text": notYet(12, "the words the reporter is shown about warning the team"),
  "disclosure.phases[].id": enforced(
    "each disclosure phase is told once per case, keyed by its id",
    DISCLOSURE_PHASES,
  ),
  "disclosure.phases[].name": enforced(
    "the phase's name in its notice and on the case page",
    DISCLOSURE_PHASES,
  ),
  "disclosure.phases[].day": enforced(
    "the phase falls due this many days after the fix release (or the report)",
    DISCLOSURE_PHASES,
  ),
  "disclosure.phases[].relativeTo": enforced(
    "the day counts from the fix release or from the report's receipt",
    DISCLOSURE_PHASES,
    test(
      "src/domain/clocks/disclosure.test.ts",
      "have no date before the fix release, except those relative to receipt",
    ),
  ),
  "disclosure.phases[].audiences": enforced(
    "named in the phase's notice and on the case page",
    DISCLOSURE_PHASES,
  ),
  "disclosure.phases[].actions[].kind": notYet(12, "each action becomes a task of its kind on the case"),
  "disclosure.phases[].actions[].text": enforced(
    "listed as what to do in the phase's notice and on the case page",
    DISCLOSURE_PHASES,
  ),
  "disclosure.wording.appliesTo": notYet(12, "which public fixes the forbidden words are checked in"),
  "disclosure.wording.forbiddenWords": notYet(12, "public fix texts are checked for these words"),
  "disclosure.wording.guidance": notYet(12, "shown to the team where the wording is checked"),
  "disclosure.userNotification.when": enforced(
    "a case marked as one where user data was affected (a privacy incident), or with `always` also a fixed case, gets the task to tell affected users, due 72 hours later; overdue channels are escalated until done",
    USER_NOTIFICATION,
    test(
      "test/workspace/user-notification.test.ts",
      "refuses to mark a channel done before the task appears, and where the policy promises no user notification",
    ),
    test(
      "test/workspace/user-notification.test.ts",
      "gives a fixed case the task, due 72 hours after the fix",
    ),
  ),
  "disclosure.userNotification.channels": enforced(
    "one item of the task per channel, each with its draft, its own clock and its own done mark with what was sent",
    USER_NOTIFICATION,
  ),
  "disclosure.userNotification.text": enforced(
    "shown with the task and quoted in each channel's draft",
    USER_NOTIFICATION,
  ),
  "disclosure.authorityNotification.when": enforced(
    "marking a case a privacy incident starts the authority clock",
    PRIVACY_INCIDENT,
    PRIVACY_API,
  ),
  "disclosure.authorityNotification.within": enforced(
    "the authority must be notified this long after a privacy incident; warnings at 75 % and at the deadline",
    PRIVACY_INCIDENT,
  ),
  "disclosure.authorityNotification.authority": enforced(
    "names the authority on the case page and in the warnings",
    PRIVACY_INCIDENT,
  ),
  "disclosure.publicAnnouncement": enforced(
    "the case page drafts an announcement; a second member approves it; it is published at /p/{program}/announcements and in its Atom feed, never before the disclosure date; other programs have none",
    test(
      "test/workspace/public-announcements.test.ts",
      "drafts, reviews and publishes Kitsu's announcement only after the disclosure date, on its page, the list and the feed",
    ),
    test(
      "test/workspace/public-announcements.test.ts",
      "needs a new approval after an edit, keeps a published announcement final, and one slug per program",
    ),
    test(
      "test/workspace/public-announcements.test.ts",
      "neutralises Markdown and HTML injection on the page and in the feed, and refuses overlong text",
    ),
    test(
      "test/workspace/public-announcements.test.ts",
      "has no announcements where the policy publishes none, and 404s unknown or malformed slugs",
    ),
    test(
      "test/workspace/public-announcements.test.ts",
      "publishes once the clock is past the embargo's end, and names that end before",
    ),
  ),

  // recognition
  "recognition.credit.places[].kind": notYet(13, "the reporter is credited in each place"),
  "recognition.credit.places[].name": notYet(13, "the reporter is credited in each place"),
  "recognition.credit.places[].url": notYet(13, "the reporter is credited in each place"),
  "recognition.credit.firstReporterOnly": enforced(
    "a case closed as a duplicate names the case, received first, that keeps the credit",
    test(
      "test/workspace/incident-phases.test.ts",
      "names the case that keeps the credit when a Kafe case is closed as a duplicate",
    ),
    test(
      "test/workspace/incident-phases.test.ts",
      "says nothing about it under a policy that credits every reporter",
    ),
  ),
  "recognition.credit.requiresChange": notYet(13, "credit only when a code or configuration change followed"),
  "recognition.reward.kind": notYet(13, "the case tracks the bounty or gift owed to the reporter"),
  "recognition.reward.text": notYet(13, "the words about the reward, shown where the reward is tracked"),
  "recognition.thanks": published("words of thanks for people on the policy page"),

  "policyChanges.via": published("tells people how to propose a change to the policy"),
  "policyChanges.url": published("a link for people proposing a change to the policy"),
  "policyChanges.text": published("words for people about changes to the policy"),
};
