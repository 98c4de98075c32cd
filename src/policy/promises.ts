/**
 * "No promise without a keeper": for every key of the policy schema (src/policy/schema-keys.ts),
 * who keeps the promise it makes.
 *
 * - `enforced`: the running system acts on it (or publishes it, when publishing is the key's whole
 *   promise: a name, an address, a security.txt field, a question of the report form), and
 *   `tests` name the tests that prove it. An entry without a test says so in `missingTest`
 *   (the code keeps the promise, nothing proves it yet).
 * - `published-only`: words for people. Embargo shows them (policy page, SECURITY.md, the form,
 *   the case page) and does nothing else with them, by design.
 * - `not-yet`: parsed and then ignored today; the issue that will make Embargo keep it.
 *
 * test/policy/promise-matrix.test.ts holds this catalogue to the schema and to the test files,
 * and freezes the `not-yet` and `missingTest` keys so they can only shrink.
 * `embargo policy check --explain FILE` prints it for the keys a policy file uses.
 */
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

const enforced = (what: string, ...tests: TestRef[]): Keeper => ({ keeper: "enforced", what, tests });
const published = (reason: string): Keeper => ({ keeper: "published-only", reason });
const notYet = (issue: 11 | 12 | 13, what: string): Keeper => ({ keeper: "not-yet", issue, what });
const test = (file: string, name: string): TestRef => ({ file, name });

// The tests cited more than once.
const GOLDEN = test("test/policy/render.test.ts", "renders %s exactly as its golden file");
const SECTIONS = test(
  "test/policy/render.test.ts",
  "mentions every section of the policy in SECURITY.md and the HTML page",
);
const BROKEN = test("test/policy/broken-policies.test.ts", "%s gives exactly its expected messages");
const POLICY_PAGE = test(
  "test/web/public-pages.test.ts",
  "serves each program's policy page with a link to its report form",
);
const SECURITY_TXT = test(
  "test/web/public-pages.test.ts",
  "serves a valid security.txt per program, and the default program's at /.well-known",
);
const ADDRESSES = test(
  "test/web/openpgp-keys.test.ts",
  "are the active reports channels of kind email or mailing-list, lower-cased",
);
const FORM = test(
  "test/web/report-form.test.ts",
  "shows the program's template, its scope and how to be credited",
);
const FORM_POST = test(
  "test/web/report-form.test.ts",
  "takes a report with an attachment, shows the receipt and the private case page",
);
const FORM_ERROR = test(
  "test/web/report-form.test.ts",
  "shows the form again with what was typed and the error beside the field",
);
const INTAKE_RULES = test(
  "test/web/api-intake.test.ts",
  "names each problem: malformed JSON, missing and unknown fields, template rules",
);
const INTAKE_DEADLINE = test(
  "test/web/api-intake.test.ts",
  "creates a case and returns its id, the reporter's private URL and the acknowledgment deadline",
);
const CLI_CLOCKS = test(
  "test/cli/embargo-cli.test.ts",
  "shows when Kitsu's one business day ends for a Friday evening report",
);
const KITSU_CLOCK = test(
  "test/jobs/clocks-kitsu.test.ts",
  "tells Emma of the report, warns her at 75 %, tells help@ at the breach, nags every 4 business hours until someone acts",
);
const KAFE_CLOCK = test(
  "test/jobs/clocks-kafe.test.ts",
  "warns the maintainer at exactly 54 h; acknowledging at 60 h means no breach at 72 h",
);
const PRIVACYTOOLS_CLOCKS = test(
  "test/jobs/clocks-privacytools.test.ts",
  "warns Alice and admin@ at 36 h; a reply at 40 h stops the acknowledge clock, not the detailed response",
);
const KULUPU_NEW_REPORT = test(
  "test/jobs/clocks-kulupu.test.ts",
  "tells Wei (the point of contact with an email) of the new report, without its content, and nothing else ever",
);
const HOOKS = test(
  "test/jobs/webhooks.test.ts",
  "signs the generic body, shapes Slack's and Matrix's, and keeps content to the confidential one",
);
const ROOM_NEW_REPORT = test(
  "test/jobs/clocks-rocketchat.test.ts",
  "posts the new report to the room without report content; no clock, so never an escalation",
);
const ROOM_CHANGES = test(
  "test/jobs/clocks-rocketchat.test.ts",
  "case changes reach the room without report content or reply text; the reporter is mailed; no escalation",
);
const CONFIDENTIAL = test(
  "src/jobs/notification-content.test.ts",
  "marked confidential, carries the report's title and the message's words",
);
const KITSU_PHASES = test(
  "test/workspace/incident-phases.test.ts",
  "records Kitsu's steps in order, tells the reporter, and refuses what the policy does not allow",
);
const SKIPPING = test(
  "src/domain/incident/phases.test.ts",
  "skips only skippable phases, and tells the reporter when the policy says so",
);
const AGREEMENT = test(
  "test/workspace/lifecycle.test.ts",
  "asks a Rocket.Chat reporter to agree to the fix, and takes their answer on their page",
);
const EMBARGO = test(
  "test/workspace/embargo.test.ts",
  "shows when the embargo ends beside the clocks, and that the reporter may disclose after it",
);
const DISCLOSURE_PHASES = test(
  "test/jobs/disclosure-rocketchat.test.ts",
  "nothing falls due before the fix release is recorded; then day 0, 14, 30 and 90, each told once",
);
const PRIVACY_INCIDENT = test(
  "test/workspace/privacy-incident.test.ts",
  "marking starts the clock, the inbox sorts the case first, warnings at 54 h and 72 h, notifying stops it",
);
const USER_NOTIFICATION = test(
  "test/workspace/user-notification.test.ts",
  "lists a task per channel with drafts once user data was affected, tells the team when it is overdue, and stops per channel once done",
);
const PRIVACY_API = test(
  "test/workspace/privacy-incident.test.ts",
  "through the API: a past start, 409 before marking, 400 without a policy deadline, 403 for a viewer",
);

const SECURITY_TXT_FIELDS = test(
  "test/web/security-txt-fields.test.ts",
  "publishes the policy's Canonical, Acknowledgments, Hiring and CSAF at /p/{program} and /.well-known",
);
const SECURITY_TXT_WITHOUT = test(
  "test/web/security-txt-fields.test.ts",
  "leaves them out for a program that does not set them, Canonical being Embargo's own URL",
);

export const PROMISES: Readonly<Record<string, Keeper>> = {
  schemaVersion: enforced(
    "a file of another format version is refused by `policy check` and at start",
    BROKEN,
  ),

  // program: who the program is, and where its pages are
  "program.slug": enforced(
    "serves the program at /p/{slug}: policy page, report form, security.txt and the JSON intake",
    POLICY_PAGE,
  ),
  "program.name": enforced(
    "names the program on its policy page, its security.txt and every mail and notice",
    POLICY_PAGE,
    KITSU_CLOCK,
  ),
  "program.website": published("a link to the program's own site, for people on the policy page"),
  "program.description": published("an introduction for people on the policy page"),
  "program.languages": enforced(
    "published as security.txt's Preferred-Languages and the pages' language",
    GOLDEN,
  ),
  "program.canonicalUrl": enforced(
    "published as security.txt's Canonical field instead of Embargo's own URL",
    SECURITY_TXT_FIELDS,
    SECURITY_TXT_WITHOUT,
  ),
  "program.policyUrl": enforced(
    "published as security.txt's Policy field instead of Embargo's policy page",
    GOLDEN,
  ),
  "program.acknowledgmentsUrl": enforced(
    "published as security.txt's Acknowledgments field",
    SECURITY_TXT_FIELDS,
    SECURITY_TXT_WITHOUT,
  ),
  "program.hiringUrl": enforced(
    "published as security.txt's Hiring field",
    SECURITY_TXT_FIELDS,
    SECURITY_TXT_WITHOUT,
  ),
  "program.csafUrl": enforced(
    "published as security.txt's CSAF field; `policy check` refuses a URL that is not a provider-metadata.json",
    SECURITY_TXT_FIELDS,
    SECURITY_TXT_WITHOUT,
    BROKEN,
  ),

  // contacts: the people, and who is told what
  "contacts[].id": enforced(
    "notify lists (escalation, new reports) name contacts by id; mail goes to the contact's address",
    KITSU_CLOCK,
  ),
  "contacts[].name": enforced("published on the policy page and SECURITY.md", SECTIONS),
  "contacts[].title": published("a person's job title, for people on the policy page"),
  "contacts[].roles": enforced(
    "points of contact hear of new reports unless notifications.newReport says otherwise; privacy officers are warned of the authority deadline",
    KULUPU_NEW_REPORT,
    test(
      "src/domain/clocks/disclosure.test.ts",
      "warns at 75 % and breaches at the deadline, the privacy officers too; only the breach when both are due",
    ),
  ),
  "contacts[].email": enforced("notifications to the contact are mailed to this address", KITSU_CLOCK),
  "contacts[].url": enforced("published on the policy page as the way to reach the contact", GOLDEN),
  "contacts[].openpgpKey": enforced(
    "under encryption.allCommunication, team mail with report content is encrypted to this key (armored or file; a url is only published); a contact without one gets no content",
    test(
      "test/mail/team-mail-encryption.test.ts",
      "encrypts a new report's mail to Wei's GnuPG key, signed by the program, and leaves the title out of Lin's",
    ),
  ),

  // channels: where reports come in, and the other ways to reach the team
  "channels[].id": published("names the channel inside the file; nothing refers to a channel by id"),
  "channels[].kind": enforced(
    "active email and mailing-list channels taking reports are the program's mail addresses (SMTP intake, WKD, the From of its mail)",
    ADDRESSES,
  ),
  "channels[].label": enforced("published on the policy page as the channel's name", GOLDEN),
  "channels[].address": enforced(
    "published as security.txt's Contact (mailto:) and taken as a report address by the mail intake",
    SECURITY_TXT,
    ADDRESSES,
  ),
  "channels[].url": enforced(
    "published on the policy page (and as security.txt's Contact for a reports channel)",
    GOLDEN,
  ),
  "channels[].purposes": enforced(
    "only `reports` channels become security.txt Contacts and report addresses; the others are listed as other channels",
    ADDRESSES,
    GOLDEN,
  ),
  "channels[].access": published("tells people a channel is invite-only or private, on the policy page"),
  "channels[].active": enforced(
    "an inactive channel is no Contact and no report address, and the policy page says it is no longer used",
    GOLDEN,
  ),
  "channels[].note": published("a remark for people, on the policy page"),

  // encryption
  "encryption.reports": enforced(
    "with `required`, a report mailed in clear is kept and its receipt says how to encrypt (key fingerprint, download, guidance) without the case link; `policy check` refuses `required` without a key; the form and the API take reports over HTTPS",
    test(
      "test/mail/team-mail-encryption.test.ts",
      "keeps a report mailed in clear as a case, tells the sender how to encrypt, and tells Wei encrypted",
    ),
    test(
      "test/mail/encrypted-conversation.test.ts",
      "keeps the case link out of a clear receipt when the program requires encryption (Kulupu)",
    ),
  ),
  "encryption.allCommunication": enforced(
    "mail to the reporter carries the case link and the team's words only encrypted; team mail with report content is encrypted to each contact's key, and carries none for a contact without one",
    test(
      "test/mail/encrypted-conversation.test.ts",
      "keeps the case link out of a clear receipt when the program requires encryption (Kulupu)",
    ),
    test(
      "test/mail/team-mail-encryption.test.ts",
      "encrypts a new report's mail to Wei's GnuPG key, signed by the program, and leaves the title out of Lin's",
    ),
    test(
      "test/mail/team-mail-encryption.test.ts",
      "sends kulupu-clear's team mail as before: in clear, with the title",
    ),
  ),
  "encryption.openpgpKey": enforced(
    "served at /p/{program}/openpgp.asc until a key is stored, and named by security.txt's Encryption field",
    test(
      "test/web/openpgp-keys.test.ts",
      "serves the policy's key until a key is stored, then the stored one",
    ),
    test("test/policy/render.test.ts", "publishes the program's key URL and the Canonical and Policy URLs"),
  ),
  "encryption.guidance": published("advice to reporters on encrypting, on the policy page"),

  "team.requireTwoFactor": enforced(
    "members of the program must enrol TOTP and sign in with it before they see its cases",
    test("test/auth/two-factor-policy.test.ts", "makes TOTP enrolment mandatory at setup"),
    test(
      "test/auth/two-factor-policy.test.ts",
      "does not let a member without TOTP use the program until they enrol",
    ),
  ),
  "team.groups[].id": enforced(
    "a case may be assigned to the group (`group:<id>`) through the case page and the API; an unknown group is refused",
    test(
      "test/workspace/team-groups.test.ts",
      "assigns a case to a team through the form and the API; the page, the inbox and the API name the team",
    ),
    test(
      "test/workspace/team-groups.test.ts",
      "refuses an unknown team with 400 naming the field and writes nothing; a viewer cannot assign",
    ),
  ),
  "team.groups[].name": enforced(
    'the case page, the inbox and the API name a case assigned to the group "Team: <name>"',
    test(
      "test/workspace/team-groups.test.ts",
      "assigns a case to a team through the form and the API; the page, the inbox and the API name the team",
    ),
  ),
  "team.groups[].members": enforced(
    "what the assignee hears reaches the members with an account (by their contact's address); each must be a contact",
    test(
      "test/workspace/team-groups.test.ts",
      "mails a triage change by someone else to the team's members with accounts, not the one without",
    ),
    BROKEN,
  ),

  // reportTemplate: the report form and the intake's rules
  "reportTemplate.intro": published(
    "words for the reporter at the top of the report form and the policy page",
  ),
  "reportTemplate.subjectGuidance": published("advice on the title, under the report form's title field"),
  "reportTemplate.fields[].id": enforced(
    "the form's and the JSON intake's field names; answers to fields the template lacks are refused",
    FORM_POST,
    INTAKE_RULES,
  ),
  "reportTemplate.fields[].label": enforced(
    "the question the report form asks, and its name on the case page",
    FORM,
  ),
  "reportTemplate.fields[].help": published("help for the reporter, under the field on the report form"),
  "reportTemplate.fields[].kind": enforced(
    "the form's input (long text, choice, url, email, file) and the intake's check of the answer",
    test("test/web/report-template-purpose.test.ts", "a file field answered with text"),
    test("test/web/report-template-purpose.test.ts", "a text field answered with a file"),
  ),
  "reportTemplate.fields[].required": enforced(
    "a report without an answer to a required field is refused, the error beside the field",
    FORM_ERROR,
    INTAKE_RULES,
  ),
  "reportTemplate.fields[].choices": enforced(
    "the form offers these answers and the intake refuses any other",
    test(
      "test/web/choice-fields.test.ts",
      "the form offers exactly the policy's choices, each as a select with an empty first option",
    ),
    test(
      "test/web/choice-fields.test.ts",
      "the form refuses an answer outside the choices, with the field's error, and keeps the other answers",
    ),
    test(
      "test/web/choice-fields.test.ts",
      "the API refuses an answer outside the choices, naming only that field, and keeps a choice as spelled",
    ),
  ),
  "reportTemplate.fields[].purpose": enforced(
    "a credit-name or credit-link field is the credit choice (asked once); a file field answers with a real upload bound to it; the program's template and its JSON Schema are published at GET /api/v1/programs/{program}",
    test("test/web/report-template-purpose.test.ts", "are the only place the form asks for credit"),
    test(
      "test/web/report-template-purpose.test.ts",
      "from the form are stored as the credit choice, once, and shown as the credit",
    ),
    test(
      "test/web/report-template-purpose.test.ts",
      "from the form is stored encrypted, bound to its field, and staff download it",
    ),
  ),

  // scope
  "scope.inScope[].id": enforced(
    "the report form offers, and the intake and triage accept, only in-scope assets",
    INTAKE_RULES,
    test(
      "test/workspace/case-page.test.ts",
      "re-renders invalid triage with the message naming the bad metric or field",
    ),
  ),
  "scope.inScope[].kind": published("what sort of asset it is, in words on the policy page"),
  "scope.inScope[].name": enforced(
    "the asset's name in the report form's choice of assets and on the case",
    FORM,
  ),
  "scope.inScope[].url": published("a link to the asset, for people on the policy page"),
  "scope.inScope[].description": published("a description for people on the policy page"),
  "scope.outOfScope[].id": published(
    "names what is not covered; the form offers only in-scope assets, and `policy check` refuses an id in both lists",
  ),
  "scope.outOfScope[].kind": published("tells people what is not covered, on the policy page"),
  "scope.outOfScope[].name": published("tells people what is not covered, on the policy page"),
  "scope.outOfScope[].url": published("tells people what is not covered, on the policy page"),
  "scope.outOfScope[].description": published("tells people what is not covered, on the policy page"),
  "scope.outOfScope[].reason": published("tells people why it is not covered, on the policy page"),
  "scope.excludedActivities[].activity": published("a rule for researchers, listed on the policy page"),
  "scope.excludedActivities[].description": published("a rule for researchers, listed on the policy page"),
  "scope.thirdPartyReports.action": enforced(
    "a case closed as third-party tells the reporter what the team does with it (refers them to the maintainers, forwards it, or declines it), before the policy's message",
    test(
      "src/domain/lifecycle/policy-rules.test.ts",
      "says the team forwards it, or declines it, before the policy's words",
    ),
    test(
      "test/workspace/lifecycle.test.ts",
      "closes a report about another project as third-party with the policy's words for the reporter",
    ),
  ),
  "scope.thirdPartyReports.message": enforced(
    "what the reporter reads when their case is closed as a third-party issue",
    test(
      "src/domain/lifecycle/lifecycle.test.ts",
      "points the reporter to the maintainers with the policy's words",
    ),
  ),

  rulesOfEngagement: published("rules for researchers, a statement for people on the policy page"),
  "safeHarbor.noLegalAction": published("a legal statement for people on the policy page"),
  "safeHarbor.text": published("a legal statement for people on the policy page"),
  "safeHarbor.conditions": published("the legal statement's conditions, for people on the policy page"),

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
  "escalation[].breach.message": enforced("the words added to the breach and reminder notices", KITSU_CLOCK),
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

  // incident: response phases and the incident register
  "incident.coordinator.role": enforced(
    "the case page names the coordinator: the case's assignee, or the program's leads",
    test(
      "test/workspace/coordinator.test.ts",
      "names the assignee as the coordinator and keeps their duties as a checklist",
    ),
  ),
  "incident.coordinator.duties": enforced(
    "the coordinator's duties are a checklist on the case",
    test(
      "test/workspace/coordinator.test.ts",
      "names the assignee as the coordinator and keeps their duties as a checklist",
    ),
    test("test/workspace/coordinator.test.ts", "has no coordinator where the policy names none (Kafe)"),
  ),
  "incident.keepReporterInformed": enforced(
    "the reporter is mailed every step (state changes, shared incident phases); without it only what asks something of them, answers them or closes the case; their page shows every step either way",
    test(
      "test/jobs/reporter-informed.test.ts",
      "mails every step to a reporter the policy promises to keep informed (Kitsu)",
    ),
    test(
      "test/jobs/reporter-informed.test.ts",
      "mails only what asks something of the reporter or closes the case otherwise (Kafe)",
    ),
  ),
  "incident.phases[].id": enforced(
    "the steps recorded on a case name the phase; unknown phases are refused",
    KITSU_PHASES,
  ),
  "incident.phases[].name": enforced(
    "the phase's name on the case page and in what the reporter is told",
    KITSU_PHASES,
  ),
  "incident.phases[].description": published(
    "words for the team and the reporter: on the case page, and quoted to the reporter when the phase starts",
  ),
  "incident.phases[].questions[].question": enforced(
    "asked on the case while the phase runs; the phase completes only once every question is answered",
    test(
      "test/workspace/incident-assessment.test.ts",
      "records the answers, raises the priority when it is still ongoing, and completes once all are answered",
    ),
  ),
  "incident.phases[].questions[].guidance": published(
    "words for the team, shown with the question on the case page",
  ),
  "incident.phases[].questions[].answer": enforced(
    "a yes-no question takes only yes or no; others take free text",
    test("test/workspace/incident-assessment.test.ts", "refuses what is not an answer, and writes nothing"),
  ),
  "incident.phases[].questions[].yesMeans": enforced(
    "a yes raises the case's priority to the program's highest, and the case says so",
    test(
      "test/workspace/incident-assessment.test.ts",
      "records the answers, raises the priority when it is still ongoing, and completes once all are answered",
    ),
    test(
      "test/workspace/incident-assessment.test.ts",
      "takes answers through the staff API, and a viewer's token is refused",
    ),
  ),
  "incident.phases[].tasks": enforced(
    "a checklist on the case; the phase completes only once every task is checked",
    test("test/workspace/incident-register.test.ts", "completes a phase only once its tasks are checked"),
  ),
  "incident.phases[].skippable": enforced(
    "only a skippable phase may be skipped; others are refused",
    KITSU_PHASES,
    SKIPPING,
  ),
  "incident.phases[].notifyReporter": enforced(
    "the reporter is told when the phase starts and completes",
    KITSU_PHASES,
  ),
  "incident.phases[].notifyReporterWhenSkipped": enforced(
    "the reporter is told when the phase is skipped",
    KITSU_PHASES,
    SKIPPING,
  ),
  "incident.phases[].endsWithPublicAnnouncement": enforced(
    "the reporter is told a public announcement follows when the phase completes, and the case page asks the team for the draft",
    test(
      "src/domain/incident/phases.test.ts",
      "says a public announcement follows remediation, and invites the reporter to the postmortem",
    ),
    test(
      "test/workspace/public-announcements.test.ts",
      "asks for the announcement when Kitsu's remediation completes and no draft exists yet",
    ),
  ),
  "incident.phases[].reporterInvited": enforced(
    "the reporter is invited to take part when the phase starts; their case page takes their feedback while it runs (refused before and after), and it is part of the case",
    test(
      "src/domain/incident/phases.test.ts",
      "says a public announcement follows remediation, and invites the reporter to the postmortem",
    ),
    test(
      "test/workspace/postmortem.test.ts",
      "invites the reporter's feedback while the postmortem runs, and tells an action item's owner when it falls due until it is done",
    ),
  ),
  "incident.register.backgroundLinks": enforced(
    "each case of the program keeps a list of http(s) background links (at most 20), edited on the case page, each change one internal event; a new incident may bring them; without the key, links are refused",
    test(
      "test/workspace/staff-incidents.test.ts",
      "adds and removes background links on any case of the program, one internal event each",
    ),
    test(
      "test/workspace/staff-incidents.test.ts",
      "refuses javascript:, data: and other links that are not web addresses, and a 21st link",
    ),
    test("test/workspace/staff-incidents.test.ts", "escapes links and typed text where it renders them"),
    test(
      "test/workspace/staff-incidents.test.ts",
      "opens no incident where there is no register, and keeps a register's choices of tags and links",
    ),
  ),
  "incident.register.sourceTags": enforced(
    "an incident the team opens must name one of these as its source (when the policy lists any; none otherwise), kept as its tag; the triage form offers them as source tags",
    test(
      "test/workspace/staff-incidents.test.ts",
      "opens an incident from the form with a source tag, two links and an asset, for the default assignee, with no reporter",
    ),
    test(
      "test/workspace/staff-incidents.test.ts",
      "refuses a wrong source tag, an unknown asset, huge fields and bad links, and writes nothing",
    ),
    test(
      "test/workspace/staff-incidents.test.ts",
      "opens no incident where there is no register, and keeps a register's choices of tags and links",
    ),
  ),
  "incident.register.defaultAssignee": enforced(
    "a new case (web, API, mail) is assigned to the member with this contact's address who may work cases",
    test(
      "test/workspace/incident-register.test.ts",
      "assigns new cases to the register's default assignee, a member with the contact's address",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "leaves the case unassigned when the default assignee has no account that may work cases",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "assigns a report that came by mail to the default assignee too",
    ),
  ),
  "incident.register.priorities": enforced(
    "the triage form offers only these priorities, the form and the API refuse any other, and a question whose yes means top priority raises to the highest of them",
    test("src/commands/case-inputs.test.ts", "takes only the priorities the program's register uses"),
  ),
  "incident.register.dueDateRequired": enforced(
    "a case cannot leave triage without a due date; the due date is a clock that warns and tells the assignee, then escalates to the emergency contacts",
    test(
      "test/workspace/incident-register.test.ts",
      "refuses to leave triage without a due date, to fix with the checklist open, to close unclassified",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "runs the due date as a clock: warns and tells the assignee, then escalates to the CTO",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "owes nothing on the due date of a case fixed or closed in time",
    ),
  ),
  "incident.register.followers": enforced(
    "false: following and unfollowing are refused (409) and not offered, and notifications to followers reach nobody",
    test(
      "test/workspace/staff-incidents.test.ts",
      "refuses following where the register has no followers, and shows no follow button",
    ),
  ),
  "incident.register.noIncidentOutcome": enforced(
    "a case may be closed as no-incident only when set",
    test("src/commands/case-inputs.test.ts", "offers the closing outcomes the state and the policy allow"),
    test(
      "test/workspace/lifecycle.test.ts",
      "refuses to close without an outcome, and says why beside the field",
    ),
  ),
  "incident.register.resolutionRequires": enforced(
    "a checklist on the case; it becomes fixed only when every item is checked",
    test(
      "test/workspace/incident-register.test.ts",
      "refuses to leave triage without a due date, to fix with the checklist open, to close unclassified",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "refuses a checklist item the policy does not have, and writes nothing",
    ),
  ),
  "incident.register.reporterAgreement.required": enforced(
    "moving a case to fixed asks the reporter on their page whether the fix resolves it",
    AGREEMENT,
    test("test/workspace/lifecycle.test.ts", "asks no agreement where the policy does not (privacytools)"),
  ),
  "incident.register.reporterAgreement.waitFor": enforced(
    "the reporter's answer is due this long after the fix",
    AGREEMENT,
  ),
  "incident.register.reporterAgreement.text": published(
    "the policy's own words for the agreement, on the policy page",
  ),
  "incident.register.classificationRequiredOnClose": enforced(
    "closing a case as resolved needs its priority, severity and CWE; the refusal names the missing ones",
    test(
      "test/workspace/incident-register.test.ts",
      "refuses to leave triage without a due date, to fix with the checklist open, to close unclassified",
    ),
    test(
      "test/workspace/incident-register.test.ts",
      "closes as no incident without a due date or a classification",
    ),
  ),
  "incident.register.problemManagement.when": enforced(
    "the case page gives these as the reasons to open a problem from the case or link it to one; problems (P-1, P-2, … per program) exist only for programs with problem management",
    test(
      "test/workspace/problem-management.test.ts",
      "opens P-1 from a recurring case, links the second, and counts its cases on the problem page",
    ),
    test(
      "test/workspace/problem-management.test.ts",
      "answers 404 for a program whose policy has no problem management (Kafe), and shows no panel",
    ),
  ),
  "incident.register.problemManagement.action": enforced(
    "the case page shows it beside the forms that open, link and unlink problems; a problem records its root cause and its state (open, known error, resolved), and counts its cases",
    test(
      "test/workspace/problem-management.test.ts",
      "opens P-1 from a recurring case, links the second, and counts its cases on the problem page",
    ),
    test(
      "test/workspace/problem-management.test.ts",
      "records the analysis: a known error or a resolved problem needs its root cause",
    ),
  ),

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
