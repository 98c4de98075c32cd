import { z } from "zod";
import { isValidTimeZone, parseHolidayCountry } from "../lib/calendar-codes.js";

/**
 * The program policy: one YAML file per program. This zod schema is the single definition;
 * types, validation and the published JSON Schema (`embargo policy schema`) all derive from it.
 *
 * Objects are strict: an unknown key is an error (usually a typo), so a promise is never
 * silently dropped. Checks that span several places (references between sections, unique ids,
 * OpenPGP keys) live in `references.ts` and `keys.ts`, because they need the whole document.
 */

const idPattern = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const ID_HINT = "lowercase letters, digits and hyphens, starting and ending with a letter or digit";

export const Id = z.string().regex(idPattern, { message: `an id (${ID_HINT})` });
const Text = z.string().trim().min(1, { message: "a non-empty text" });
const HttpsUrl = z.url({ protocol: /^https$/, hostname: z.regexes.domain, message: "an https:// URL" });
const Email = z.email({ message: "an email address" });
const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "a time of day as HH:MM" });
const LocalDate = z.iso.date({ message: "a date as YYYY-MM-DD" });
const PositiveNumber = z.number().positive({ message: "a number greater than zero" });

/** Reserved names a notification list may use besides contact ids. */
export const NOTIFY_ROLES = ["assignee", "followers", "reporter"] as const;

export const Duration = z
  .strictObject({
    hours: PositiveNumber.optional(),
    days: PositiveNumber.optional(),
    businessHours: PositiveNumber.optional(),
    businessDays: PositiveNumber.optional(),
  })
  .refine((d) => Object.values(d).filter((v) => v !== undefined).length === 1, {
    message: "exactly one of hours, days, businessHours or businessDays",
  })
  .meta({
    description:
      "A length of time: plain hours or days (elapsed time), or businessHours / businessDays counted in the program's business calendar.",
  });

/** A public key given inline (armored), as a file next to the policy, or as a URL only published. */
export const OpenPgpKeyRef = z
  .strictObject({
    armored: Text.optional(),
    file: Text.optional(),
    url: HttpsUrl.optional(),
  })
  .refine((k) => [k.armored, k.file, k.url].filter((v) => v !== undefined).length === 1, {
    message: "exactly one of armored, file or url",
  })
  .meta({
    description:
      "An OpenPGP public key: `armored` inline, `file` (relative to the policy file), or `url` (published as-is; Embargo does not fetch it).",
  });

/**
 * The program as a CVE Numbering Authority: who it is in the CVE Services user registry. Its
 * advisories with a CVE id are served as CVE JSON 5 CNA containers naming it
 * (src/web/routes/advisories.ts). The rules are the CVE schema's (`orgId`, `shortName`).
 */
const Cna = z.strictObject({
  orgId: z
    .uuid({
      version: "v4",
      message:
        "the CNA's orgId from the CVE Services user registry: a version 4 UUID such as 0b6a2b7e-5c1d-4e8f-9a3b-7c2d1e0f4a5b",
    })
    .meta({ description: "The CNA's organisation UUID in the CVE Services user registry." }),
  shortName: z
    .string()
    .trim()
    .min(2, { message: "the CNA's short name, 2 to 32 characters" })
    .max(32, { message: "the CNA's short name, 2 to 32 characters" })
    .meta({ description: "The CNA's short name in the CVE Services user registry (2 to 32 characters)." }),
});

const Program = z.strictObject({
  slug: Id.meta({ description: "URL-safe, unique among programs; used in /p/{slug}." }),
  name: Text,
  website: HttpsUrl.optional(),
  description: Text.optional(),
  languages: z
    .array(z.string().regex(/^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$/, { message: "a language tag such as en" }))
    .min(1)
    .default(["en"]),
  canonicalUrl: HttpsUrl.optional().meta({
    description: "Where this policy's security.txt is canonically served.",
  }),
  policyUrl: HttpsUrl.optional(),
  acknowledgmentsUrl: HttpsUrl.optional(),
  hiringUrl: HttpsUrl.optional(),
  csafUrl: HttpsUrl.refine((url) => new URL(url).pathname.endsWith("/provider-metadata.json"), {
    message: "an https:// URL of a CSAF provider-metadata.json (security.txt's CSAF field names that file)",
  })
    .optional()
    .meta({
      description:
        "The program's CSAF provider metadata (…/provider-metadata.json), named by security.txt; by default Embargo's own (/.well-known/csaf/provider-metadata.json).",
    }),
  cna: Cna.optional().meta({
    description:
      "The program is a CVE Numbering Authority: each published advisory with a CVE id (and the affected product and reference CVE requires) is also served as a CVE JSON 5 CNA container (…/advisories/{trackingId}.cve.json) naming this CNA.",
  }),
});

export const CONTACT_ROLES = [
  "point-of-contact",
  "fallback",
  "lead",
  "emergency",
  "privacy-officer",
  "member",
] as const;

const Contact = z.strictObject({
  id: Id,
  name: Text,
  title: Text.optional(),
  roles: z.array(z.enum(CONTACT_ROLES)).min(1),
  email: Email.optional(),
  url: HttpsUrl.optional().meta({ description: "A profile or direct-message link." }),
  openpgpKey: OpenPgpKeyRef.optional(),
});

/** A named group of contacts a case may be assigned to, as a whole (`group:<id>` on the case). */
const TeamGroup = z.strictObject({
  id: Id,
  name: Text.meta({ description: 'Shown where the case names its assignee, as "Team: <name>".' }),
  members: z
    .array(Id)
    .min(1)
    .meta({ description: "Contact ids; those with an account (by email) hear of the group's cases." }),
});

export const CHANNEL_KINDS = [
  "email",
  "web-form",
  "chat-room",
  "mailing-list",
  "repository",
  "website",
] as const;
export const CHANNEL_PURPOSES = [
  "reports",
  "discussion",
  "announcements",
  "privacy",
  "gdpr",
  "proof-of-concept",
  "policy-changes",
  "documentation",
] as const;

const Channel = z
  .strictObject({
    id: Id,
    kind: z.enum(CHANNEL_KINDS),
    label: Text,
    address: Email.optional(),
    url: HttpsUrl.optional(),
    purposes: z.array(z.enum(CHANNEL_PURPOSES)).min(1),
    access: z.enum(["public", "invite-only", "private"]).default("public"),
    active: z.boolean().default(true),
    note: Text.optional(),
  })
  .superRefine((channel, ctx) => {
    if (channel.kind === "email" && channel.address === undefined) {
      ctx.addIssue({ code: "custom", path: ["address"], message: "an email address, since kind is email" });
    } else if (
      channel.kind === "mailing-list" &&
      channel.address === undefined &&
      channel.url === undefined
    ) {
      ctx.addIssue({ code: "custom", path: ["address"], message: "an address or a url for a mailing list" });
    } else if (channel.kind !== "email" && channel.kind !== "mailing-list" && channel.url === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: `an https:// URL, since kind is ${channel.kind}`,
      });
    }
  });

const Encryption = z.strictObject({
  reports: z.enum(["required", "encouraged", "optional"]).default("optional"),
  allCommunication: z
    .boolean()
    .default(false)
    .meta({ description: "Every message to and from every party is OpenPGP-encrypted." }),
  openpgpKey: OpenPgpKeyRef.optional().meta({ description: "The program's key." }),
  guidance: Text.optional(),
});

export const FIELD_KINDS = ["text", "long-text", "choice", "url", "email", "file"] as const;

const ReportField = z
  .strictObject({
    id: Id,
    label: Text,
    help: Text.optional(),
    kind: z.enum(FIELD_KINDS),
    required: z.boolean().default(false),
    choices: z.array(Text).min(1).optional(),
    purpose: z
      .enum(["credit-name", "credit-link", "proof-of-concept"])
      .optional()
      .meta({ description: "What Embargo does with the answer beyond showing it." }),
  })
  .superRefine((field, ctx) => {
    if (field.kind === "choice" && field.choices === undefined) {
      ctx.addIssue({ code: "custom", path: ["choices"], message: "a list of choices, since kind is choice" });
    } else if (field.kind !== "choice" && field.choices !== undefined) {
      ctx.addIssue({ code: "custom", path: ["choices"], message: "no choices, since kind is not choice" });
    }
  });

const ReportTemplate = z.strictObject({
  intro: Text.optional(),
  subjectGuidance: Text.optional(),
  fields: z.array(ReportField).min(1),
});

export const ASSET_KINDS = [
  "source-repository",
  "binary",
  "hosted-service",
  "website",
  "application",
  "infrastructure",
  "third-party-service",
  "other",
] as const;

const Asset = z.strictObject({
  id: Id,
  kind: z.enum(ASSET_KINDS),
  name: Text,
  url: HttpsUrl.optional(),
  description: Text.optional(),
});

/** A release of an in-scope asset, as the affected-release matrix of each case lists it. */
const Release = z.strictObject({
  version: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .meta({ description: 'A version ("7.2.1") or a range (">=7.0.0 <7.3.0", "6.x", "live").' }),
  inProduction: z
    .boolean()
    .default(true)
    .meta({ description: "Still supported: a fix is owed to it (incident.fixAllProductionReleases)." }),
});

const InScopeAsset = Asset.extend({
  releases: z
    .array(Release)
    .optional()
    .meta({ description: "Its releases; each case's affected-release matrix starts from them." }),
});

export const EXCLUDED_ACTIVITIES = [
  "automated-scanning",
  "denial-of-service",
  "social-engineering",
  "third-party-infrastructure",
  "accounts-not-owned",
  "physical-security",
  "spam",
  "privacy-violation",
  "data-destruction",
  "service-disruption",
  "fraud",
  "public-disclosure-before-fix",
  "other",
] as const;

const Scope = z.strictObject({
  inScope: z.array(InScopeAsset).min(1),
  outOfScope: z.array(Asset.extend({ reason: Text.optional() })).default([]),
  excludedActivities: z
    .array(z.strictObject({ activity: z.enum(EXCLUDED_ACTIVITIES), description: Text }))
    .default([]),
  thirdPartyReports: z
    .strictObject({
      action: z.enum(["refer-to-maintainers", "forward", "decline"]),
      message: Text,
    })
    .optional(),
});

const SafeHarbor = z.strictObject({
  noLegalAction: z.boolean(),
  text: Text,
  conditions: z.array(Text).default([]),
});

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

export const Calendar = z.strictObject({
  timeZone: z.string().refine(isValidTimeZone, { message: "an IANA time zone such as Europe/Berlin" }),
  workingDays: z.array(z.enum(WEEKDAYS)).min(1).default(["mon", "tue", "wed", "thu", "fri"]),
  workingHours: z
    .strictObject({ start: LocalTime, end: LocalTime })
    .refine((h) => h.end > h.start, {
      path: ["end"],
      message: "a time after the start (working hours cannot cross midnight)",
    })
    .default({ start: "09:00", end: "17:00" }),
  holidays: z.array(LocalDate).default([]),
  holidayCountry: z
    .string()
    .refine((code) => typeof parseHolidayCountry(code) !== "string", {
      message: "a country (or country-state) code with known public holidays, such as DE or US-CA",
    })
    .optional(),
});

/** Used when a policy gives no calendar: UTC office hours, Monday to Friday. */
const DEFAULT_CALENDAR: z.output<typeof Calendar> = {
  timeZone: "UTC",
  workingDays: ["mon", "tue", "wed", "thu", "fri"],
  workingHours: { start: "09:00", end: "17:00" },
  holidays: [],
};

export const CLOCK_KINDS = [
  "acknowledge",
  "detailed-response",
  "confirmation",
  "triage",
  "resolution",
  "update",
  "reporter-agreement",
] as const;
export const CLOCK_STARTS = ["received", "acknowledged", "triaged", "resolved", "fix-released"] as const;
export const CLOCK_STOPS = [
  "team-replied",
  "detailed-response-sent",
  "acknowledged",
  "triaged",
  "resolved",
  "closed",
  "reporter-agreed",
] as const;
export const PRIORITIES = ["low", "medium", "high"] as const;
export const SEVERITIES = ["none", "low", "medium", "high", "critical"] as const;

const Clock = z.strictObject({
  id: Id,
  kind: z.enum(CLOCK_KINDS),
  label: Text.optional(),
  within: Duration,
  startsAt: z.enum(CLOCK_STARTS).default("received"),
  stopsWhen: z.enum(CLOCK_STOPS),
  severity: z.enum(SEVERITIES).optional().meta({ description: "Only for cases of this severity." }),
  pausesWhileWaitingForReporter: z.boolean().default(false),
  promise: Text.optional().meta({ description: "The policy's own words for this promise." }),
});

const ServiceLevels = z.strictObject({
  calendar: Calendar.default(DEFAULT_CALENDAR),
  clocks: z
    .array(Clock)
    .default([])
    .meta({ description: "Time promises. A policy that promises no time (Kulupu) has none." }),
});

const NotifyList = z
  .array(Id)
  .min(1)
  .meta({
    description: `Contact ids, or one of: ${NOTIFY_ROLES.join(", ")}.`,
  });

const Escalation = z.strictObject({
  clock: Id.meta({ description: "The id of a clock in serviceLevels.clocks." }),
  warn: z.strictObject({ atPercent: z.number().gt(0).lt(100).default(75), notify: NotifyList }).optional(),
  breach: z.strictObject({ notify: NotifyList, message: Text.optional() }),
  repeat: z
    .strictObject({ every: Duration, notify: NotifyList, maxTimes: z.int().positive().optional() })
    .optional()
    .meta({ description: "Nag again at this interval until someone acts." }),
});

export const WEBHOOK_FORMATS = ["generic", "slack", "matrix", "rocketchat"] as const;
export const WEBHOOK_TOPICS = ["new-report", "escalation", "case-changes"] as const;

/** Loopback http is allowed so a relay or a test listener on the same machine can be used. */
const WebhookUrl = z
  .url({ protocol: /^https?$/, message: "an https:// URL (http only for localhost)" })
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  }, "an https:// URL (http only for localhost)");
const EnvName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, { message: "an environment variable name such as KITSU_SLACK_WEBHOOK" });

const Webhook = z
  .strictObject({
    id: Id,
    format: z.enum(WEBHOOK_FORMATS),
    url: WebhookUrl.optional(),
    urlFromEnv: EnvName.optional().meta({
      description:
        "Read the URL from this environment variable (chat webhook URLs are secrets; keep them out of git).",
    }),
    secretFromEnv: EnvName.optional().meta({
      description:
        "HMAC-SHA256 signing secret for the X-Embargo-Signature header, from this environment variable.",
    }),
    topics: z
      .array(z.enum(WEBHOOK_TOPICS))
      .min(1)
      .default([...WEBHOOK_TOPICS]),
    confidential: z.boolean().default(false).meta({
      description:
        "The receiver may see report content (titles, messages). Off: only what happened and a link.",
    }),
  })
  .refine((w) => (w.url === undefined) !== (w.urlFromEnv === undefined), {
    message: "exactly one of url or urlFromEnv",
  });

const Notifications = z.strictObject({
  newReport: NotifyList.optional().meta({
    description: "Who is told of a new report; default: the contacts with the point-of-contact role.",
  }),
  email: z
    .strictObject({
      confidential: z.boolean().default(false).meta({
        description: "Email to the team may carry report content. Off: only what happened and a link.",
      }),
    })
    .default({ confidential: false }),
  webhooks: z.array(Webhook).default([]),
});

const IncidentPhase = z.strictObject({
  id: Id,
  name: Text,
  description: Text.optional(),
  questions: z
    .array(
      z
        .strictObject({
          question: Text,
          guidance: Text.optional(),
          answer: z
            .enum(["text", "yes-no"])
            .default("text")
            .meta({ description: "How the team answers: free text, or yes or no." }),
          yesMeans: z.enum(["top-priority"]).optional().meta({
            description: 'A yes raises the case\'s priority to the top ("Is it still ongoing?").',
          }),
        })
        .refine((q) => q.yesMeans === undefined || q.answer === "yes-no", {
          path: ["yesMeans"],
          message: "only for a question answered yes or no (answer: yes-no)",
        }),
    )
    .default([])
    .meta({
      description: "Asked on the case while the phase runs; the phase completes once all are answered.",
    }),
  tasks: z
    .array(Text)
    .default([])
    .meta({ description: "A checklist on the case; the phase completes once every task is checked." }),
  skippable: z.boolean().default(false),
  notifyReporter: z.boolean().default(false),
  notifyReporterWhenSkipped: z.boolean().default(false),
  endsWithPublicAnnouncement: z.boolean().default(false),
  relatedCasesTask: Text.optional().meta({
    description:
      "A checklist item of the phase that records links to the related cases the team found (an audit for similar problems).",
  }),
  reporterInvited: z
    .boolean()
    .default(false)
    .meta({ description: "The reporter may take part (postmortem)." }),
});

const IncidentRegister = z.strictObject({
  backgroundLinks: z.boolean().default(false),
  sourceTags: z.array(Id).default([]),
  defaultAssignee: Id.optional(),
  priorities: z.array(z.enum(PRIORITIES)).default(["low", "medium", "high"]),
  dueDateRequired: z.boolean().default(false),
  followers: z.boolean().default(true),
  noIncidentOutcome: z.boolean().default(false),
  resolutionRequires: z.array(Text).default([]),
  reporterAgreement: z
    .strictObject({ required: z.boolean(), waitFor: Duration, text: Text.optional() })
    .optional()
    .meta({ description: "The affected party agrees the case is resolved before it moves on." }),
  classificationRequiredOnClose: z.boolean().default(true),
  problemManagement: z.strictObject({ when: z.array(Text).min(1), action: Text }).optional(),
});

const Incident = z.strictObject({
  coordinator: z
    .strictObject({ role: z.enum(["assignee", "lead"]), duties: z.array(Text).min(1) })
    .optional(),
  keepReporterInformed: z.boolean().default(false),
  fixAllProductionReleases: z.boolean().optional().meta({
    description:
      "A case becomes fixed only once no release in production is affected or under investigation.",
  }),
  phases: z.array(IncidentPhase).default([]),
  register: IncidentRegister.optional(),
});

export const DISCLOSURE_ACTIONS = [
  "update-hosted-instances",
  "notify-customers",
  "publish-release-note",
  "notify-partners",
  "in-product-banner",
  "publish-fix-list",
  "allow-reporter-disclosure",
  "credit-reporter",
  "reward-reporter",
  "public-announcement",
  "close-case",
  "other",
] as const;

const DisclosurePhase = z.strictObject({
  id: Id,
  name: Text,
  day: z.int().nonnegative({ message: "a whole number of days, zero or more" }),
  relativeTo: z.enum(["fix-release", "received"]).default("fix-release"),
  audiences: z.array(Text).default([]),
  actions: z.array(z.strictObject({ kind: z.enum(DISCLOSURE_ACTIONS), text: Text })).min(1),
});

const Disclosure = z.strictObject({
  embargo: z
    .strictObject({
      within: Duration,
      startsAt: z.enum(CLOCK_STARTS).default("received"),
      text: Text.optional(),
    })
    .optional()
    .meta({ description: "How long the reporter keeps the issue confidential." }),
  reporterWarning: z
    .strictObject({ required: z.boolean(), written: z.boolean().default(true), text: Text.optional() })
    .optional()
    .meta({ description: "The reporter warns the team, in writing, before disclosing." }),
  phases: z.array(DisclosurePhase).default([]),
  wording: z
    .strictObject({
      appliesTo: z.enum(["open-source", "all"]),
      forbiddenWords: z.array(Text).min(1),
      exceptions: z.array(Text).optional().meta({
        description: 'Phrases in which a forbidden word is allowed ("exploit mitigation").',
      }),
      guidance: Text.optional(),
    })
    .optional()
    .meta({ description: "Rules for phrasing public fixes (pull requests, commit messages)." }),
  userNotification: z
    .strictObject({
      when: z.enum(["user-data-affected", "always"]),
      channels: z.array(z.enum(["email", "website-notice", "in-product-banner", "blog-post"])).min(1),
      text: Text.optional(),
    })
    .optional(),
  authorityNotification: z
    .strictObject({ when: z.enum(["privacy-incident"]), within: Duration, authority: Text.optional() })
    .optional(),
  publicAnnouncement: z.boolean().default(false),
  // No default: a policy without it renders (policy.json) as before, and reads as "required".
  advisories: z
    .strictObject({
      secondApproval: z.boolean().default(true).meta({
        description:
          "Publishing an advisory (and each correction) needs the approval of a second team member, not the draft's last editor. Default (also when `advisories` is absent): true. With false, one member may publish a draft alone.",
      }),
    })
    .optional()
    .meta({ description: "How the team publishes its advisories." }),
});

const Recognition = z.strictObject({
  credit: z
    .strictObject({
      places: z
        .array(
          z.strictObject({
            kind: z.enum(["source-repository", "hall-of-fame", "hackerone", "external-list", "advisory"]),
            name: Text,
            url: HttpsUrl.optional(),
          }),
        )
        .min(1),
      firstReporterOnly: z.boolean().default(false),
      requiresChange: z
        .boolean()
        .default(false)
        .meta({ description: "Credit only when a code or configuration change follows from the report." }),
    })
    .optional(),
  reward: z
    .strictObject({ kind: z.enum(["none", "bounty", "gift", "bounty-or-gift"]), text: Text.optional() })
    .default({ kind: "none" }),
  thanks: Text.optional(),
});

/** Whole days after a case is closed; up to a century. */
const DaysAfterClose = z
  .strictObject({ days: z.number().int().min(1).max(36_500) })
  .meta({ description: "Whole days after the case is closed." });

const Retention = z
  .strictObject({
    contactDetailsAfterClose: DaysAfterClose.optional().meta({
      description:
        "Erase the reporter's contact details (address, OpenPGP key, the raw mail they sent) this long after the case is closed.",
    }),
    attachmentsAfterClose: DaysAfterClose.optional().meta({
      description: "Delete the case's files this long after it is closed.",
    }),
    caseAfterClose: DaysAfterClose.optional().meta({
      description:
        "Erase everything the case says (report, conversation, files, contact details) this long after it is closed; its dates, state and audit chain stay.",
    }),
  })
  .meta({
    description:
      "How long a closed case keeps what the reporter sent. A daily job erases it by destroying the case's keys and records each erasure on the case.",
  });

export const PolicySchema = z
  .strictObject({
    schemaVersion: z.literal(1).meta({ description: "The version of this file format." }),
    program: Program,
    contacts: z.array(Contact).min(1),
    channels: z.array(Channel).min(1),
    encryption: Encryption.default({ reports: "optional", allCommunication: false }),
    team: z
      .strictObject({
        requireTwoFactor: z
          .union([z.boolean(), z.literal("passkey")])
          .default(false)
          .meta({
            description:
              "Members must sign in with a second factor (true: TOTP, a recovery code or a passkey), or with a passkey (phishing-resistant).",
          }),
        // Optional, no default: a policy without it renders (policy.json) as before.
        requireSso: z
          .union([z.boolean(), z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/)])
          .optional()
          .meta({
            description:
              "Members sign in through single sign-on only (true: any configured OpenID Connect provider; a provider's id: that one). Their password does not sign them in, and a session that did not come through SSO cannot use the program.",
          }),
        // No default: a policy without groups renders (policy.json) as before.
        groups: z.array(TeamGroup).optional(),
      })
      .default({ requireTwoFactor: false }),
    reportTemplate: ReportTemplate,
    scope: Scope,
    rulesOfEngagement: z.array(Text).default([]),
    safeHarbor: SafeHarbor.optional(),
    serviceLevels: ServiceLevels.default({ calendar: DEFAULT_CALENDAR, clocks: [] }),
    escalation: z.array(Escalation).default([]),
    notifications: Notifications.default({ email: { confidential: false }, webhooks: [] }),
    incident: Incident.default({ keepReporterInformed: false, phases: [] }),
    disclosure: Disclosure.default({ phases: [], publicAnnouncement: false }),
    recognition: Recognition.default({ reward: { kind: "none" } }),
    // Optional, no default: a policy without it renders (policy.json) as before.
    retention: Retention.optional(),
    policyChanges: z
      .strictObject({
        via: z.enum(["pull-request", "issue", "email"]),
        url: HttpsUrl.optional(),
        text: Text.optional(),
      })
      .optional(),
  })
  .meta({ title: "Embargo program policy", description: "One security program: its promises, as data." });

export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type DurationValue = z.output<typeof Duration>;
export type RetentionPolicy = z.output<typeof Retention>;
export type OpenPgpKeyRefValue = z.output<typeof OpenPgpKeyRef>;
export type TeamGroupPolicy = z.output<typeof TeamGroup>;
export type ClockPolicy = Policy["serviceLevels"]["clocks"][number];
export type CalendarPolicy = Policy["serviceLevels"]["calendar"];
