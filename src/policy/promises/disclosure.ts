import type { Keeper } from "./keepers.js";
import {
  DISCLOSURE_PHASES,
  EMBARGO,
  enforced,
  PRIVACY_API,
  PRIVACY_INCIDENT,
  published,
  test,
  USER_NOTIFICATION,
} from "./keepers.js";

/** `embargo guard` as a commit-msg hook and in CI (test/cli/guard.test.ts). */
const GUARD_HOOK = test(
  "test/cli/guard.test.ts",
  "rejects a commit with a forbidden word in its commit-msg hook, naming the word, its line and the guidance",
);
const GUARD_RANGE = test(
  "test/cli/guard.test.ts",
  "exports hashes only, and checks a CI range's messages and diff against them without the database",
);

/** The disclosure plan's tasks (test/jobs/disclosure-plan.test.ts). */
const DISCLOSURE_PLAN_TASKS = test(
  "test/jobs/disclosure-plan.test.ts",
  "tasks appear after the fix release, complete their phase, escalate once when overdue; day 90 moves with a reason and then tells the reporter they may publish",
);
const DISCLOSURE_PLAN_REFUSALS = test(
  "test/jobs/disclosure-plan.test.ts",
  "refuses what a stranger sends: unknown tasks, the system's tasks, non-members, bad dates, viewers",
);

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
  "disclosure.reporterWarning.required": enforced(
    'the reporter\'s page takes "I intend to publish on DATE"; the team is alerted at once, a clock runs to that date on the case and the team is told once when it comes; programs without it refuse the form',
    test(
      "test/workspace/reporter-warning.test.ts",
      "alerts the team by mail at once, shows the clock on the case and the reporter's page, and tells the team once when the date comes",
    ),
    test(
      "test/workspace/reporter-warning.test.ts",
      "the reporter changes the date, then withdraws it: each is a new event the team hears of",
    ),
    test(
      "test/workspace/reporter-warning.test.ts",
      "shows the form with the policy's words on a Kulupu reporter's page, and nothing on a program without the key",
    ),
  ),
  "disclosure.reporterWarning.written": enforced(
    "the warning needs a message (at most 5,000 characters) beside the date",
    test(
      "test/workspace/reporter-warning.test.ts",
      "refuses a stranger's inputs: a past or garbage date, a missing or oversized message, no CSRF token, a closed case",
    ),
  ),
  "disclosure.reporterWarning.text": enforced(
    "the policy's words, shown beside the warning form on the reporter's page",
    test(
      "test/workspace/reporter-warning.test.ts",
      "shows the form with the policy's words on a Kulupu reporter's page, and nothing on a program without the key",
    ),
  ),
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
  "disclosure.phases[].actions[].kind": enforced(
    "each action is a task on the case (owner, due date, done); `allow-reporter-disclosure` is done when the reporter is told they may publish, `close-case` when the case is closed as resolved, the others by the team",
    DISCLOSURE_PLAN_TASKS,
    DISCLOSURE_PLAN_REFUSALS,
  ),
  "disclosure.phases[].actions[].text": enforced(
    "listed as what to do in the phase's notice and on the case page",
    DISCLOSURE_PHASES,
  ),
  "disclosure.wording.appliesTo": enforced(
    "`open-source`: `embargo guard` checks public fixes (commit messages, pull requests, diffs); `all`: also the team's public announcements, which cannot be approved or published with a forbidden word",
    GUARD_HOOK,
    test(
      "test/workspace/announcement-wording.test.ts",
      "refuses to approve or publish an announcement with a forbidden word, naming it with the guidance, where the wording applies to all",
    ),
    test(
      "test/workspace/announcement-wording.test.ts",
      "leaves announcements alone where the wording is for open-source fixes only",
    ),
  ),
  "disclosure.wording.forbiddenWords": enforced(
    "`embargo guard` (a commit-msg hook, CI over a git range) exits 1 naming each forbidden word, whole and case-insensitive, with its file or commit, line and column",
    GUARD_HOOK,
    GUARD_RANGE,
    test(
      "src/domain/disclosure/wording.test.ts",
      "finds whole words only, case-insensitively, with their line and column",
    ),
  ),
  "disclosure.wording.exceptions": enforced(
    "a forbidden word inside one of these phrases passes the guard and the announcement check",
    GUARD_HOOK,
    test(
      "src/domain/disclosure/wording.test.ts",
      "allows a forbidden word inside an exception phrase, case-insensitively, and nowhere else",
    ),
  ),
  "disclosure.wording.guidance": enforced(
    "printed by `embargo guard` under the words it found, and shown beside the announcement form and in its refusals",
    GUARD_HOOK,
    test(
      "test/workspace/announcement-wording.test.ts",
      "refuses to approve or publish an announcement with a forbidden word, naming it with the guidance, where the wording applies to all",
    ),
  ),
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
  "disclosure.advisories.secondApproval": enforced(
    "absent or true: an advisory (and each correction) is published only once a member other than the draft's last editor approved it; false: one member publishes alone, the staff page offers Publish at once, and the revision names the publisher as its approver",
    test(
      "test/workspace/advisory-second-approval.test.ts",
      "lets one Acme member publish alone where secondApproval is false: the page offers Publish at once, and the revision names them as its approver",
    ),
    test(
      "test/workspace/advisory-second-approval.test.ts",
      "asks a second Acme Labs member's approval where the policy says nothing: self-approval and an unapproved publication are refused",
    ),
    test(
      "test/workspace/advisories.test.ts",
      "a standalone advisory is written in its own transaction with a security-log entry, and needs a second member too",
    ),
    test(
      "src/domain/advisories/review.test.ts",
      "asks a second approval unless the policy's disclosure.advisories.secondApproval is false",
    ),
  ),
};
