import { z } from "zod";
import { CASE_STATES, CLOSING_OUTCOMES } from "../../domain/lifecycle/index.js";
import { ApiAttachmentSchema, ApiError } from "../../intake/report-schema.js";
import { PRIORITIES, SEVERITIES } from "../../policy/schema.js";
import { MAX_MESSAGE_LENGTH } from "../../store/staff-validation.js";

/**
 * The staff API's request and response schemas: validation, types and the OpenAPI document
 * (GET /api/v1/openapi.json) come from these. Instants are ISO 8601 UTC text.
 */
const Instant = z.string().meta({ description: "ISO 8601, UTC." });
const MaybeInstant = Instant.nullable();
const Cvss = z.object({ vector: z.string(), score: z.number() }).nullable();

export const CaseIdParams = z.object({ id: z.string().max(64).meta({ description: "The case id." }) });
export const AttachmentParams = CaseIdParams.extend({ aid: z.string().max(64) });

export const Clock = z
  .object({
    text: z.string().meta({ description: `"acknowledge within 3 h", "due in 2 d", "overdue by 5 h".` }),
    overdue: z.boolean(),
  })
  .nullable();

/** A case's number in its program and the reference made of it (src/domain/cases/case-number.ts). */
const CaseNumber = {
  number: z.number().int().nullable().meta({
    description: "The case's number in its program (1, 2, …); null only for cases stored without one.",
  }),
  reference: z.string().nullable().meta({
    description: "The program's slug upper-cased and the number: KITSU-12. Search for it with `q`.",
  }),
};

export const CaseRow = z
  .object({
    id: z.string(),
    program: z.string(),
    ...CaseNumber,
    newActivity: z.boolean().meta({
      description:
        "The reporter did something (wrote, answered, gave feedback) since the caller last opened the case's page.",
    }),
    state: z.enum(CASE_STATES),
    title: z.string(),
    severity: z.string().nullable(),
    priority: z.string().nullable(),
    assignee: z
      .string()
      .nullable()
      .meta({ description: "A user id, or `group:<id>` for a team group of the program's policy." }),
    assigneeName: z
      .string()
      .nullable()
      .meta({ description: 'For a team group, "Team: <its name>"; null for a member or nobody.' }),
    assetId: z.string().nullable(),
    source: z.string(),
    tags: z.array(z.string()),
    receivedAt: Instant,
    acknowledgeBy: MaybeInstant,
    acknowledgedAt: MaybeInstant,
    dueAt: MaybeInstant,
    nextDueAt: MaybeInstant,
    cvss31Score: z.number().nullable(),
    cvss40Score: z.number().nullable(),
    outcome: z.string().nullable(),
    clock: Clock,
    clocks: z
      .array(z.object({ label: z.string(), text: z.string(), overdue: z.boolean() }))
      .meta({ description: "Every clock that still asks something of the team, soonest first." }),
  })
  .meta({ id: "CaseRow" });

export const CaseList = z
  .object({
    cases: z.array(CaseRow),
    next: z.string().nullable().meta({ description: "Pass as `after` for the next page; null on the last." }),
  })
  .meta({ id: "CaseList" });

export const CaseDetail = z
  .object({
    id: z.string(),
    program: z.string(),
    ...CaseNumber,
    state: z.enum(CASE_STATES),
    source: z.string(),
    assetId: z.string().nullable(),
    receivedAt: Instant,
    updatedAt: Instant,
    acknowledgeBy: MaybeInstant,
    acknowledgedAt: MaybeInstant,
    firstTeamReplyAt: MaybeInstant,
    detailedResponseAt: MaybeInstant,
    triagedAt: MaybeInstant,
    fixedAt: MaybeInstant,
    closedAt: MaybeInstant,
    agreementDueAt: MaybeInstant,
    nextDueAt: MaybeInstant,
    fixReleasedAt: MaybeInstant,
    privacyIncidentAt: MaybeInstant,
    authorityNotifyBy: MaybeInstant,
    authorityNotifiedAt: MaybeInstant,
    outcome: z.string().nullable(),
    duplicateOf: z.string().nullable(),
    cveId: z.string().nullable().meta({ description: "The case's CVE id (upper case), if it has one." }),
    aliases: z.array(z.string()).meta({ description: "Other ids of the case (GHSA ids, report numbers)." }),
    assignee: z
      .string()
      .nullable()
      .meta({ description: "A user id, or `group:<id>` for a team group of the program's policy." }),
    assigneeName: z
      .string()
      .nullable()
      .meta({ description: 'For a team group, "Team: <its name>"; null for a member or nobody.' }),
    followers: z.array(z.string()),
    tags: z.array(z.string()),
    report: z.object({
      title: z.string(),
      fields: z.record(z.string(), z.string()),
      credit: z.object({
        mode: z.enum(["name", "handle", "anonymous"]),
        name: z.string().optional(),
        link: z.string().optional(),
      }),
    }),
    contact: z.object({
      email: z.string().nullable(),
      openpgpKey: z.string().nullable(),
      openpgpFingerprint: z.string().nullable(),
    }),
    triage: z.object({
      priority: z.string().nullable(),
      severity: z.string().nullable(),
      dueAt: MaybeInstant,
      cwe: z.string().nullable(),
      cvss31: Cvss,
      cvss40: Cvss,
    }),
    attachments: z.array(
      z.object({
        id: z.string(),
        filename: z.string(),
        contentType: z.string(),
        size: z.number(),
        createdAt: Instant,
        uploadedBy: z.enum(["reporter", "team"]),
        reporterVisible: z.boolean(),
        url: z.string(),
      }),
    ),
    events: z.array(
      z.object({
        seq: z.number(),
        type: z.string(),
        actor: z.string(),
        at: Instant,
        reporterVisible: z
          .boolean()
          .meta({ description: "False for internal notes and other team-only events." }),
        text: z.string().optional(),
        attachmentIds: z.array(z.string()).optional(),
        payload: z.unknown(),
      }),
    ),
    clocks: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        label: z.string(),
        dueAt: MaybeInstant,
        state: z.enum(["met", "missed", "running", "overdue", "not-started"]),
        text: z.string(),
      }),
    ),
    embargo: z
      .object({
        endsAt: MaybeInstant,
        state: z.enum(["not-started", "running", "ended"]),
        text: z
          .string()
          .meta({ description: `"ends in 12 d: …", "ended 3 d ago: the reporter may disclose".` }),
      })
      .nullable()
      .meta({ description: "When the policy's embargo ends on this case; null when it sets none." }),
    disclosurePhases: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        day: z.number(),
        relativeTo: z.enum(["fix-release", "received"]),
        dueAt: MaybeInstant.meta({ description: "Null until the fix release is recorded." }),
        state: z.enum(["not-started", "upcoming", "due", "stopped"]),
        text: z.string(),
        audiences: z.array(z.string()),
        actions: z.array(z.object({ kind: z.string(), text: z.string() })),
      }),
    ),
    allowedTransitions: z.array(z.enum(CASE_STATES)),
    closingOutcomes: z.array(z.enum(CLOSING_OUTCOMES)),
    duplicates: z.array(
      z.object({ id: z.string(), title: z.string(), score: z.number(), reasons: z.array(z.string()) }),
    ),
    canWork: z
      .boolean()
      .meta({ description: "Whether the caller may act on the case (responder or admin)." }),
  })
  .meta({ id: "CaseDetail" });

const Text = z.string().max(MAX_MESSAGE_LENGTH);

export const ReplyBody = z
  .strictObject({
    text: Text,
    detailedResponse: z
      .boolean()
      .optional()
      .meta({ description: `This reply meets the policy's "detailed response" promise.` }),
    attachments: z.array(ApiAttachmentSchema).max(10).default([]),
  })
  .meta({ id: "ReplyRequest" });

export const NoteBody = z
  .strictObject({ text: Text, attachments: z.array(ApiAttachmentSchema).max(10).default([]) })
  .meta({ id: "NoteRequest" });

export const MessageCreated = z.object({ seq: z.number(), attachmentIds: z.array(z.string()) });

export const AssigneeBody = z
  .strictObject({
    userId: z
      .string()
      .max(64)
      .nullable()
      .optional()
      .meta({ description: "A team member who may work the program; null unassigns. Or give `group`." }),
    group: z.string().max(64).optional().meta({
      description: "Instead of `userId`: the id of one of the program's team groups (`team.groups`).",
    }),
  })
  .meta({ id: "AssigneeRequest" });

export const Changed = z.object({ changed: z.boolean() });

export const TriageBody = z
  .strictObject({
    priority: z.enum(PRIORITIES).nullable().optional(),
    dueAt: z.string().max(40).nullable().optional().meta({
      description: "YYYY-MM-DD (the end of that day in the program's time zone) or an ISO 8601 instant.",
    }),
    assetId: z.string().max(64).nullable().optional(),
    tags: z.array(z.string().max(48)).max(30).optional().meta({ description: "Replaces the case's tags." }),
    cwe: z.string().max(20).nullable().optional().meta({ description: `"CWE-79" or "79".` }),
    cvss: z
      .union([z.string().max(300), z.array(z.string().max(300)).max(2)])
      .nullable()
      .optional()
      .meta({
        description:
          "CVSS 3.1 and/or 4.0 vectors (scored here); null removes both. A score decides the severity (4.0 first).",
      }),
    severity: z
      .enum(SEVERITIES)
      .nullable()
      .optional()
      .meta({ description: "Only used while the case has no CVSS score." }),
  })
  .meta({ id: "TriageRequest" });

export const TriageResult = z.object({
  changed: z.boolean(),
  triage: CaseDetail.shape.triage,
});

export const TransitionBody = z
  .strictObject({
    to: z.enum(CASE_STATES),
    outcome: z.enum(CLOSING_OUTCOMES).optional().meta({ description: "Required when closing." }),
    duplicateOf: z
      .string()
      .max(64)
      .optional()
      .meta({ description: "The original, when closing as a duplicate." }),
  })
  .meta({ id: "TransitionRequest" });

export const TransitionDone = z.object({
  from: z.enum(CASE_STATES),
  to: z.enum(CASE_STATES),
  outcome: z.string().nullable(),
  reporterMessage: z.string().nullable().meta({ description: "What the reporter reads on their case page." }),
  agreementDueAt: MaybeInstant,
});

/** A refused or incomplete transition: the error plus the moves that are allowed. */
export const TransitionError = ApiError.extend({
  allowed: z.array(z.enum(CASE_STATES)).optional(),
  reason: z.string().optional().meta({
    description:
      "With `transition_blocked`: the gate that holds the move (due-date-required, resolution-incomplete, classification-required, agreement-pending, …).",
  }),
}).meta({
  id: "TransitionError",
});

export const CweQuery = z.object({
  q: z.string().max(200).meta({ description: "An id or words of the name." }),
});
export const CweResults = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    usage: z.string(),
    top25: z.boolean(),
  }),
);

const InstantInput = z.string().max(40).optional().meta({
  description:
    "An ISO 8601 instant, or YYYY-MM-DD / YYYY-MM-DDTHH:MM in the program's time zone; left out: now.",
});

export const FixReleaseBody = z.strictObject({ releasedAt: InstantInput }).meta({ id: "FixReleaseRequest" });

export const FixReleaseDone = z.object({ changed: z.boolean(), releasedAt: Instant });

export const AgreementBody = z
  .strictObject({
    note: z.string().min(1).max(2_000).meta({
      description: "How the agreement was given (who agreed, when, by which means); internal, required.",
    }),
  })
  .meta({ id: "AgreementRecordRequest" });

export const PrivacyIncidentBody = z
  .strictObject({ since: InstantInput.meta({ description: "When the team became aware; left out: now." }) })
  .meta({ id: "PrivacyIncidentRequest" });

export const AuthorityNotifiedBody = z
  .strictObject({ notifiedAt: InstantInput })
  .meta({ id: "AuthorityNotifiedRequest" });
