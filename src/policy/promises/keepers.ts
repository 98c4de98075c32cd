/** The catalogue's building blocks (src/policy/promises.ts): the kinds of keeper and the tests cited more than once. */
export interface TestRef {
  /** A test file, from the repository root. */
  file: string;
  /** The test's title exactly as written in the file (`%s` and all, for `it.each`). */
  name: string;
}

export type Keeper =
  | { keeper: "enforced"; what: string; tests: readonly TestRef[]; missingTest?: string }
  | { keeper: "published-only"; reason: string }
  | { keeper: "not-yet"; issue: 11 | 12 | 13; what: string };

export const enforced = (what: string, ...tests: TestRef[]): Keeper => ({ keeper: "enforced", what, tests });
export const published = (reason: string): Keeper => ({ keeper: "published-only", reason });
export const notYet = (issue: 11 | 12 | 13, what: string): Keeper => ({ keeper: "not-yet", issue, what });
export const test = (file: string, name: string): TestRef => ({ file, name });

// The tests cited more than once.
export const GOLDEN = test("test/policy/render.test.ts", "renders %s exactly as its golden file");
export const SECTIONS = test(
  "test/policy/render.test.ts",
  "mentions every section of the policy in SECURITY.md and the HTML page",
);
export const BROKEN = test("test/policy/broken-policies.test.ts", "%s gives exactly its expected messages");
export const POLICY_PAGE = test(
  "test/web/public-pages.test.ts",
  "serves each program's policy page with a link to its report form",
);
export const SECURITY_TXT = test(
  "test/web/public-pages.test.ts",
  "serves a valid security.txt per program, and the default program's at /.well-known",
);
export const ADDRESSES = test(
  "test/web/openpgp-keys.test.ts",
  "are the active reports channels of kind email or mailing-list, lower-cased",
);
export const FORM = test(
  "test/web/report-form.test.ts",
  "shows the program's template, its scope and how to be credited",
);
export const FORM_POST = test(
  "test/web/report-form.test.ts",
  "takes a report with an attachment, shows the receipt and the private case page",
);
export const FORM_ERROR = test(
  "test/web/report-form.test.ts",
  "shows the form again with what was typed and the error beside the field",
);
export const INTAKE_RULES = test(
  "test/web/api-intake.test.ts",
  "names each problem: malformed JSON, missing and unknown fields, template rules",
);
export const INTAKE_DEADLINE = test(
  "test/web/api-intake.test.ts",
  "creates a case and returns its id, the reporter's private URL and the acknowledgment deadline",
);
export const CLI_CLOCKS = test(
  "test/cli/embargo-cli.test.ts",
  "shows when Kitsu's one business day ends for a Friday evening report",
);
export const KITSU_CLOCK = test(
  "test/jobs/clocks-kitsu.test.ts",
  "tells Emma of the report, warns her at 75 %, tells help@ at the breach, nags every 4 business hours until someone acts",
);
export const KAFE_CLOCK = test(
  "test/jobs/clocks-kafe.test.ts",
  "warns the maintainer at exactly 54 h; acknowledging at 60 h means no breach at 72 h",
);
export const PRIVACYTOOLS_CLOCKS = test(
  "test/jobs/clocks-privacytools.test.ts",
  "warns Alice and admin@ at 36 h; a reply at 40 h stops the acknowledge clock, not the detailed response",
);
export const KULUPU_NEW_REPORT = test(
  "test/jobs/clocks-kulupu.test.ts",
  "tells Wei (the point of contact with an email) of the new report, without its content, and nothing else ever",
);
export const HOOKS = test(
  "test/jobs/webhooks.test.ts",
  "signs the generic body, shapes Slack's and Matrix's, and keeps content to the confidential one",
);
export const ROOM_NEW_REPORT = test(
  "test/jobs/clocks-rocketchat.test.ts",
  "posts the new report to the room without report content; no clock, so never an escalation",
);
export const ROOM_CHANGES = test(
  "test/jobs/clocks-rocketchat.test.ts",
  "case changes reach the room without report content or reply text; the reporter is mailed; no escalation",
);
export const CONFIDENTIAL = test(
  "src/jobs/notification-content.test.ts",
  "marked confidential, carries the report's title and the message's words",
);
export const KITSU_PHASES = test(
  "test/workspace/incident-phases.test.ts",
  "records Kitsu's steps in order, tells the reporter, and refuses what the policy does not allow",
);
export const SKIPPING = test(
  "src/domain/incident/phases.test.ts",
  "skips only skippable phases, and tells the reporter when the policy says so",
);
export const AGREEMENT = test(
  "test/workspace/lifecycle.test.ts",
  "asks a Rocket.Chat reporter to agree to the fix, and takes their answer on their page",
);
export const EMBARGO = test(
  "test/workspace/embargo.test.ts",
  "shows when the embargo ends beside the clocks, and that the reporter may disclose after it",
);
export const DISCLOSURE_PHASES = test(
  "test/jobs/disclosure-rocketchat.test.ts",
  "nothing falls due before the fix release is recorded; then day 0, 14, 30 and 90, each told once",
);
export const PRIVACY_INCIDENT = test(
  "test/workspace/privacy-incident.test.ts",
  "marking starts the clock, the inbox sorts the case first, warnings at 54 h and 72 h, notifying stops it",
);
export const USER_NOTIFICATION = test(
  "test/workspace/user-notification.test.ts",
  "lists a task per channel with drafts once user data was affected, tells the team when it is overdue, and stops per channel once done",
);
export const PRIVACY_API = test(
  "test/workspace/privacy-incident.test.ts",
  "through the API: a past start, 409 before marking, 400 without a policy deadline, 403 for a viewer",
);

export const SECURITY_TXT_FIELDS = test(
  "test/web/security-txt-fields.test.ts",
  "publishes the policy's Canonical, Acknowledgments, Hiring and CSAF at /p/{program} and /.well-known",
);
export const SECURITY_TXT_WITHOUT = test(
  "test/web/security-txt-fields.test.ts",
  "leaves them out for a program that does not set them, Canonical and CSAF being Embargo's own URLs",
);
