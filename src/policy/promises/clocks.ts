import type { Keeper } from "./keepers.js";
import {
  CLI_CLOCKS,
  CONFIDENTIAL,
  enforced,
  HOOKS,
  INTAKE_DEADLINE,
  KAFE_CLOCK,
  KITSU_CLOCK,
  PRIVACYTOOLS_CLOCKS,
  published,
  ROOM_CHANGES,
  ROOM_NEW_REPORT,
  test,
} from "./keepers.js";

/** Who keeps the promises of service levels, escalation and notifications: the time promises and who hears of them. */
export const CLOCKS_PROMISES: Readonly<Record<string, Keeper>> = {
  // serviceLevels: the business calendar and the clocks
  "serviceLevels.calendar.timeZone": enforced(
    "business time and due dates are counted in this time zone",
    CLI_CLOCKS,
  ),
  "serviceLevels.calendar.workingDays": enforced(
    "business durations count only these days",
    CLI_CLOCKS,
    test(
      "src/domain/calendar/business-calendar.test.ts",
      "after hours on Friday + 1 business day = end of Monday's working hours",
    ),
  ),
  "serviceLevels.calendar.workingHours.start": enforced(
    "business durations count only working hours",
    CLI_CLOCKS,
    test(
      "src/domain/calendar/business-calendar.test.ts",
      "received on Saturday, or before hours, counts from the next working period",
    ),
  ),
  "serviceLevels.calendar.workingHours.end": enforced(
    "business durations count only working hours",
    CLI_CLOCKS,
    test(
      "src/domain/calendar/business-calendar.test.ts",
      "after hours on Friday + 1 business day = end of Monday's working hours",
    ),
  ),
  "serviceLevels.calendar.holidays": enforced(
    "business durations skip these dates",
    test("src/domain/calendar/business-calendar.test.ts", "Thanksgiving from an explicit list"),
  ),
  "serviceLevels.calendar.holidayCountry": enforced(
    "business durations skip the country's (or state's) public holidays",
    test("src/domain/calendar/business-calendar.test.ts", "Thanksgiving via holidayCountry US"),
  ),
  "serviceLevels.clocks[].id": enforced(
    "escalation rules name the clock; each case's clocks run under it",
    KITSU_CLOCK,
  ),
  "serviceLevels.clocks[].kind": enforced(
    "the acknowledge (else confirmation) clock sets the deadline the reporter is promised; the kind names the clock",
    INTAKE_DEADLINE,
    KITSU_CLOCK,
  ),
  "serviceLevels.clocks[].label": published(
    "what the team calls the clock, on the case page and in escalation mail",
  ),
  "serviceLevels.clocks[].within": enforced(
    "each case's clock falls due this long after it starts; warnings, breaches and reminders follow",
    KITSU_CLOCK,
    KAFE_CLOCK,
  ),
  "serviceLevels.clocks[].startsAt": enforced(
    "the clock starts at this event of the case",
    test(
      "src/domain/clocks/case-clocks.test.ts",
      "runs the clocks that start at receipt and waits for the others",
    ),
  ),
  "serviceLevels.clocks[].stopsWhen": enforced(
    "the clock stops at this event of the case",
    PRIVACYTOOLS_CLOCKS,
  ),
  "serviceLevels.clocks[].severity": enforced(
    "the clock runs only on cases of this severity",
    test(
      "src/domain/clocks/case-clocks.test.ts",
      "applies severity-bound clocks only to cases of that severity, and ends everything at closing",
    ),
  ),
  "serviceLevels.clocks[].pausesWhileWaitingForReporter": enforced(
    "the clock stops while the case waits for the reporter (needs-info) and falls due later by that time",
    test(
      "test/jobs/clocks-pausing.test.ts",
      "does not warn or breach while waiting, and moves the deadline by the time waited",
    ),
  ),
  "serviceLevels.clocks[].promise": published(
    "the policy's own words for the promise, beside the clock on the case page",
  ),

  // escalation: who is told when a clock runs out
  "escalation[].clock": enforced("the clock this rule escalates", KITSU_CLOCK),
  "escalation[].warn.atPercent": enforced(
    "the warning goes out when this share of the time has run",
    KAFE_CLOCK,
  ),
  "escalation[].warn.notify": enforced(
    "who gets the warning (contacts, assignee, followers, reporter)",
    PRIVACYTOOLS_CLOCKS,
  ),
  "escalation[].breach.notify": enforced("who is told when the clock runs out", KITSU_CLOCK),
  "escalation[].breach.message": enforced(
    "the words added to the breach and reminder notices; for the team only (the team's view of the policy), never on the public page",
    KITSU_CLOCK,
  ),
  "escalation[].repeat.every": enforced(
    "reminders repeat at this interval after the breach until someone acts",
    KITSU_CLOCK,
  ),
  "escalation[].repeat.notify": enforced("who gets the reminders", KITSU_CLOCK),
  "escalation[].repeat.maxTimes": enforced(
    "reminders stop after this many",
    test(
      "src/domain/clocks/escalation.test.ts",
      "repeats until the horizon however many that is; maxRepeats bounds the list, maxTimes the policy",
    ),
  ),

  // notifications
  "notifications.newReport": enforced(
    "who is told of a new report, instead of the points of contact",
    test(
      "test/jobs/new-report-recipients.test.ts",
      "mails the new report to exactly the contacts newReport names, not the point of contact",
    ),
  ),
  "notifications.email.confidential": enforced(
    "mail to the team carries report titles and message words only when set",
    CONFIDENTIAL,
  ),
  "notifications.webhooks[].id": enforced("notify lists and deliveries name the webhook by id", HOOKS),
  "notifications.webhooks[].format": enforced(
    "the body is shaped for generic JSON, Slack, Matrix or Rocket.Chat",
    HOOKS,
    ROOM_NEW_REPORT,
  ),
  "notifications.webhooks[].url": enforced(
    "notices are posted to this URL",
    test(
      "test/jobs/new-report-recipients.test.ts",
      "posts the new report to the webhook's url, with no environment variable",
    ),
  ),
  "notifications.webhooks[].urlFromEnv": enforced(
    "the URL is read from this environment variable; without it the delivery waits, retryable, naming the variable",
    HOOKS,
    test(
      "test/jobs/clocks-rocketchat.test.ts",
      "without the environment variable the delivery fails, stays retryable and says which variable is missing",
    ),
  ),
  "notifications.webhooks[].secretFromEnv": enforced(
    "the body is signed (X-Embargo-Signature) with this secret",
    HOOKS,
  ),
  "notifications.webhooks[].topics": enforced(
    "the webhook hears only of these: new reports, escalations, case changes",
    ROOM_NEW_REPORT,
    ROOM_CHANGES,
  ),
  "notifications.webhooks[].confidential": enforced(
    "the webhook gets report titles, message words and team members' names only when set",
    HOOKS,
    CONFIDENTIAL,
  ),
};
