/**
 * Row types of the database, as Kysely sees them. Column conventions, the same on SQLite and
 * PostgreSQL:
 * - Timestamps are ISO-8601 UTC text from `Date.prototype.toISOString()` (`2026-11-25T09:30:00.000Z`):
 *   fixed width, so text order is time order and indexes on them sort the inbox; readable in a
 *   SQL shell; and no driver turns them into numbers or strings differently (pg returns `bigint`
 *   as a string, SQLite has no timestamp type).
 * - Columns ending in `_ct`, and `attachments.data`, hold ciphertext (src/crypto/envelope.ts);
 *   src/store/encrypted-columns.ts lists them all for key rotation.
 * - Counts and sequence numbers are 32-bit integers.
 */
export interface EncryptionKeysTable {
  /** `k1`, `k2`, …: the number orders keys; see src/crypto/keyring.ts. */
  id: string;
  /** The data key, wrapped with the master key (text envelope, AAD `dek:<id>`). */
  wrapped_key: string;
  created_at: string;
  retired_at: string | null;
}

export interface CasesTable {
  id: string;
  program: string;
  state: string;
  source: string;
  asset_id: string | null;
  received_at: string;
  acknowledge_by: string | null;
  updated_at: string;
  /** sha-256 (hex) of the reporter's capability token; the token itself is never stored. */
  reporter_token_hash: string;
  /** Encrypted JSON: title, template field answers, credit choice. */
  report_ct: string;
  /** Encrypted JSON: reporter email and OpenPGP key; null when the reporter left none. */
  contact_ct: string | null;
  event_count: number;
  last_event_hash: string;
}

export interface CaseEventsTable {
  case_id: string;
  seq: number;
  type: string;
  actor: string;
  at: string;
  /** Encrypted canonical JSON of the event payload. */
  payload_ct: string;
  prev_hash: string;
  hash: string;
}

export interface AttachmentsTable {
  id: string;
  case_id: string;
  /** The event that added the attachment (case_events.seq of the same case). */
  event_seq: number;
  /** Encrypted JSON: sanitised file name and content type. */
  meta_ct: string;
  /** Plaintext size in bytes. */
  size: number;
  /** Encrypted bytes (binary envelope). */
  data: Buffer;
  created_at: string;
  uploaded_by: string;
}

export interface DatabaseSchema {
  encryption_keys: EncryptionKeysTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
  attachments: AttachmentsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  setup_tokens: SetupTokensTable;
  api_tokens: ApiTokensTable;
  security_log: SecurityLogTable;
}

/** Staff accounts (src/auth/users.ts). `email` is stored lower-cased. */
export interface UsersTable {
  id: string;
  email: string;
  /** argon2id PHC string; null until the user has set a password through their setup link. */
  password_hash: string | null;
  /** Encrypted base32 TOTP secret (AAD `user:<id>:totp`); while `totp_enabled` is 0, a pending enrolment. */
  totp_secret_ct: string | null;
  totp_enabled: number;
  /** The last TOTP time step accepted: a code of that step or an earlier one is a replay. */
  totp_last_step: number | null;
  /** JSON array of argon2id hashes of the unused recovery codes. */
  recovery_codes_json: string;
  disabled_at: string | null;
  created_at: string;
}

export interface MembershipsTable {
  user_id: string;
  /** A program slug, or `*` for every program. */
  program: string;
  role: "admin" | "responder" | "viewer";
}

export interface SessionsTable {
  /** sha-256 (hex) of the cookie value; the value itself is never stored. */
  id_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  two_factor_passed: number;
}

export interface SetupTokensTable {
  /** sha-256 (hex) of the token in the setup link. */
  token_hash: string;
  /** Null: the first administrator's link, which asks for the email. */
  user_id: string | null;
  purpose: "setup" | "reset";
  /** Encrypted pending TOTP secret shown on the setup page (AAD `setup:<token_hash>:totp`). */
  totp_secret_ct: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface ApiTokensTable {
  id: string;
  /** sha-256 (hex) of the whole token (`embargo_…`). */
  token_hash: string;
  name: string;
  program: string;
  role: "admin" | "responder" | "viewer";
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The hash-chained security log (src/auth/security-log.ts): sign-ins, failures, role changes, tokens. */
export interface SecurityLogTable {
  id: string;
  seq: number;
  at: string;
  type: string;
  actor: string;
  subject: string | null;
  /** Canonical JSON; never secrets. */
  payload_json: string;
  prev_hash: string;
  hash: string;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026112503_case_work: the staff side of a case. Declared as interface merges so this
// block only appends to the declarations above.

export interface CasesTable {
  /** The responsible team member's user id. */
  assignee: string | null;
  priority: "low" | "medium" | "high" | null;
  /** The team's own due date for the case (triage). */
  due_at: string | null;
  severity: "none" | "low" | "medium" | "high" | "critical" | null;
  cvss31_vector: string | null;
  cvss31_score: number | null;
  cvss40_vector: string | null;
  cvss40_score: number | null;
  /** `CWE-<n>`. */
  cwe: string | null;
  /** The closing outcome (src/domain/lifecycle); null while the case is open. */
  outcome: string | null;
  /** The original case, when closed as a duplicate. */
  duplicate_of: string | null;
  acknowledged_at: string | null;
  first_team_reply_at: string | null;
  /** The first reply marked as the detailed response (clocks that stop at `detailed-response-sent`). */
  detailed_response_at: string | null;
  triaged_at: string | null;
  fixed_at: string | null;
  closed_at: string | null;
  /** When the reporter's agreement that the fix resolves their report is due; null when none is pending. */
  agreement_due_at: string | null;
  /**
   * The earliest open deadline, kept up to date by every command (src/store/deadlines.ts):
   * `acknowledge_by` while unacknowledged, `due_at` while open, null once closed.
   */
  next_due_at: string | null;
  /** The search key the case's rows in case_title_terms were made with; null: not indexed yet. */
  search_key_id: string | null;
}

export interface CaseTagsTable {
  case_id: string;
  /** Lower case, see src/store/staff-validation.ts. */
  tag: string;
}

export interface CaseFollowersTable {
  case_id: string;
  user_id: string;
  created_at: string;
}

/**
 * The blind index over a case's encrypted words (title, report, conversation since migration
 * 2026121320): HMAC of each normalised word (src/store/search-index.ts).
 */
export interface CaseTitleTermsTable {
  case_id: string;
  /** HMAC-SHA256(search key, word), hex, first 32 characters. */
  term_hash: string;
}

export interface SearchKeysTable {
  /** `s1`, …; the key of the blind index. */
  id: string;
  /** The 32-byte HMAC key, encrypted under the data keys (AAD `search-key:<id>`). */
  key_ct: string;
  created_at: string;
}

export interface DatabaseSchema {
  case_tags: CaseTagsTable;
  case_followers: CaseFollowersTable;
  case_title_terms: CaseTitleTermsTable;
  search_keys: SearchKeysTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026112504_jobs: durable timers and the notification outbox (src/jobs/).

/** "Look at this case at `due_at`": written with every case change, moved by the timer worker. */
export interface CaseTimersTable {
  case_id: string;
  due_at: string;
  /** The last case event the worker has turned into notifications. */
  processed_seq: number;
  /** Failed attempts in a row (a case whose evaluation throws is retried later, not forever at once). */
  attempts: number;
  last_error: string | null;
}

/** Escalation steps taken: `${caseId}:${clockId}:${kind}:${n}` (src/domain/clocks/escalation.ts). */
export interface CaseEscalationsTable {
  step_key: string;
  case_id: string;
  at: string;
}

export interface OutboxTable {
  id: string;
  /** Unique; sent to receivers (Idempotency-Key header, Message-ID) so they can drop a resend. */
  idempotency_key: string;
  program: string;
  case_id: string | null;
  channel: "email" | "webhook";
  /** `email`, or `webhook:<id>`: never an address. */
  destination: string;
  event: string;
  /** Encrypted JSON: the recipient and the notification (AAD `outbox:<id>`). */
  message_ct: string;
  status: "pending" | "sent" | "failed";
  attempts: number;
  next_attempt_at: string;
  /** While set and in the future, one worker is sending this row. */
  lease_until: string | null;
  leased_by: string | null;
  /** Why the last attempt failed: never content or secrets (src/notify/notification.ts). */
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface DatabaseSchema {
  case_timers: CaseTimersTable;
  case_escalations: CaseEscalationsTable;
  outbox: OutboxTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026112506_mail: program keys, received mail, threading (src/mail/).

export interface ProgramKeysTable {
  /** 40 upper-case hex digits. */
  fingerprint: string;
  program: string;
  /** Armored public key (published). */
  public_key: string;
  /** Encrypted armored private key (AAD `program-key:<fingerprint>`). */
  private_key_ct: string;
  created_at: string;
  retired_at: string | null;
}

export type InboundMailStatus =
  | "received"
  | "case-opened"
  | "case-reply"
  | "duplicate"
  | "auto-reply"
  | "needs-attention"
  /** Parsing went over its time or memory budget: kept for a person, never retried automatically. */
  | "too-costly"
  | "dismissed";

export interface InboundMailTable {
  id: string;
  received_at: string;
  via: "smtp" | "imap";
  program: string | null;
  case_id: string | null;
  /** sha-256 (hex) of the Message-ID header; null when there was none. */
  message_id_hash: string | null;
  /** The raw message, encrypted (binary envelope, AAD `inbound-mail:<id>`). */
  raw_ct: Buffer;
  size: number;
  status: InboundMailStatus;
  /** Why a person must look: a code and a sentence, never content. */
  problem: string | null;
  handled_at: string | null;
}

export interface MailThreadsTable {
  message_id_hash: string;
  case_id: string;
  created_at: string;
}

export interface CaseReplyAddressesTable {
  token_hash: string;
  case_id: string;
  created_at: string;
}

export interface DatabaseSchema {
  program_keys: ProgramKeysTable;
  inbound_mail: InboundMailTable;
  mail_threads: MailThreadsTable;
  case_reply_addresses: CaseReplyAddressesTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026112505_disclosure_clocks: the facts of the disclosure clocks
// (src/domain/clocks/disclosure.ts).

export interface CasesTable {
  /** When the fix was released; the disclosure phases relative to the fix release run from it. */
  fix_released_at: string | null;
  /** Since when the case is a privacy incident; the authority notification clock starts then. */
  privacy_incident_at: string | null;
  /** The authority notification deadline (from the policy, set with `privacy_incident_at`). */
  authority_notify_by: string | null;
  /** When the authority was notified; stops that clock. */
  authority_notified_at: string | null;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026120701_hardening: shared, atomic limits (src/store/rate-counters.ts).

export interface RateCountersTable {
  /** HMAC of what is limited (never the address or email itself). */
  key: string;
  /** Tokens left, or failures counted: the rule using the row says which. */
  value: number;
  /** Epoch milliseconds when `value` was last counted. */
  at: number;
  /** Epoch milliseconds after which the row may be deleted (its state is then forgotten). */
  expires_at: number;
}

export interface DatabaseSchema {
  rate_counters: RateCountersTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026120801_problems: problem management (src/domain/problems, src/store/problems.ts).

export interface ProblemsTable {
  id: string;
  program: string;
  /** Per program: P-1, P-2, … (unique with `program`). */
  number: number;
  /** `open`, `known-error` or `resolved` (src/domain/problems/problem-rules.ts). */
  state: string;
  /** Encrypted JSON: title and root cause (AAD `problem:<id>:content`). */
  content_ct: string;
  created_at: string;
  /** The user id of the member who opened it. */
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** The problem a case is linked to now (at most one); the case's events keep the history. */
export interface ProblemCasesTable {
  case_id: string;
  problem_id: string;
  linked_at: string;
  linked_by: string;
}

/** The last problem number given in a program. */
export interface ProblemCountersTable {
  program: string;
  last_number: number;
}

export interface DatabaseSchema {
  problems: ProblemsTable;
  problem_cases: ProblemCasesTable;
  problem_counters: ProblemCountersTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026120802_announcements: published public announcements (src/store/announcements.ts).

export interface AnnouncementsTable {
  /** The announcement's own random id (its Atom entry is urn:uuid:<id>). */
  id: string;
  program: string;
  /** Unique per program: /p/{program}/announcements/{slug}. */
  slug: string;
  /** The case it announces (one announcement per case); never shown on the public pages. */
  case_id: string;
  /** Public text, so plain: title and Markdown body as approved (src/domain/announcements). */
  title: string;
  body: string;
  published_at: string;
}

export interface DatabaseSchema {
  announcements: AnnouncementsTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026120803_action_items: work items with a due date of their own (postmortem action
// items, the task to tell affected users); their words are in the case's events.

export interface CaseActionItemsTable {
  case_id: string;
  /** Per case: "1", "2", … for action items; `notify-<channel>` for the user notification task. */
  id: string;
  kind: "process" | "code" | "user-notification";
  /** The user who owns the item (action items); null for the user notification task. */
  owner: string | null;
  due_at: string;
  done_at: string | null;
  created_at: string;
}

export interface CasesTable {
  /**
   * The earliest due date of an open row of `case_action_items`; joins `next_due_at`. Optional in
   * the type only, so rows built by hand (bench fixtures) need not name it.
   */
  action_items_due_at?: string | null;
}

export interface DatabaseSchema {
  case_action_items: CaseActionItemsTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026120804_opened_by: incidents the team opened itself (src/commands/open-incident.ts).

export interface CasesTable {
  /** The team member who opened the case as an incident; null for a report. */
  opened_by: string | null;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026120901_disclosure: identifiers and published affected releases (issue 12).

export interface CaseIdentifiersTable {
  program: string;
  /** Upper case: `CVE-2026-12345`, `GHSA-…`. */
  value: string;
  case_id: string;
  kind: "cve" | "alias";
  created_at: string;
}

export interface PublishedAffectedTable {
  id: string;
  program: string;
  case_id: string;
  /** The asset id of `scope.inScope`. */
  product: string;
  product_name: string;
  /** A version or a range (src/domain/disclosure/versions.ts). */
  versions: string;
  status: string;
  fixed_in: string | null;
  cve_id: string | null;
  published_at: string;
}

export interface DatabaseSchema {
  case_identifiers: CaseIdentifiersTable;
  published_affected: PublishedAffectedTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026120905_reporter_warning: the date the reporter intends to publish on (issue 12).

export interface CasesTable {
  /**
   * The start (UTC) of the day the reporter said they intend to publish on
   * (src/commands/reporter-warning.ts); null when none or withdrawn. Joins `next_due_at`. Optional
   * in the type only, so rows built by hand (bench fixtures) need not name it.
   */
  reporter_publishes_at?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026120904_disclosure_plan: the earliest open task of the disclosure plan (issue 12).

export interface CasesTable {
  /**
   * The earliest due date of an open task of the case's disclosure plan (src/domain/disclosure/plan.ts);
   * null when none. Joins `next_due_at`. Optional in the type only, like `action_items_due_at`.
   */
  disclosure_due_at?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121001_advisories: advisories and their published revisions (issue 13).

export interface AdvisoriesTable {
  id: string;
  program: string;
  /** Null for a standalone advisory. */
  case_id: string | null;
  /** Given on first publication. */
  tracking_number: number | null;
  /** `EMBARGO-KAFE-2026-0001`; given on first publication. */
  tracking_id: string | null;
  state: "draft" | "published";
  /** Encrypted JSON: the draft (src/domain/advisories/draft.ts). */
  content_ct: string;
  draft_version: number;
  published_version: number | null;
  approved_by: string | null;
  approved_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface AdvisoryRevisionsTable {
  advisory_id: string;
  number: number;
  published_at: string;
  approved_by: string;
  published_by: string;
  /** The published AdvisoryRecord, canonical JSON, byte for byte. */
  record_json: string;
}

export interface AdvisoryCountersTable {
  program: string;
  last_number: number;
}

export interface DatabaseSchema {
  advisories: AdvisoriesTable;
  advisory_revisions: AdvisoryRevisionsTable;
  advisory_counters: AdvisoryCountersTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121004_rewards: the reward decided per case (issue 13; src/commands/rewards.ts).

/** A projection of the case's reward events: its latest proposal, for the export and listings. */
export interface CaseRewardsTable {
  case_id: string;
  program: string;
  status: "proposed" | "approved" | "paid" | "declined" | "withdrawn";
  kind: "bounty" | "gift";
  /** Encrypted JSON (src/store/rewards.ts): amount, currency, gift, the proposal's and payment's facts. */
  amount_ct: string;
  updated_at: string;
}

export interface DatabaseSchema {
  case_rewards: CaseRewardsTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121202_case_numbers: a number per program (KITSU-12; src/store/case-numbers.ts).

export interface CasesTable {
  /**
   * The case's number in its program (unique with it), given at intake. Null only for rows built
   * by hand (bench fixtures), which is why it is optional in the type too.
   */
  number?: number | null;
}

/** The last case number given in a program. */
export interface CaseCountersTable {
  program: string;
  last_number: number;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121203_case_reads: when a member last opened a case (src/store/case-reads.ts).

export interface CaseReadsTable {
  user_id: string;
  case_id: string;
  /** The last event of the case the page showed them. */
  seen_seq: number;
  read_at: string;
}

export interface DatabaseSchema {
  case_counters: CaseCountersTable;
  case_reads: CaseReadsTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121320_search_body: the blind index holds a case's report and conversation too.

export interface CasesTable {
  /**
   * 2 (src/store/search-index.ts SEARCH_INDEX_VERSION): the case's report and conversation are in
   * case_title_terms; null: pending (a new report, with no rows yet; a case from before, with its
   * title's rows only). Optional
   * in the type, like `number`, for rows built by hand (bench fixtures), which start pending.
   */
  search_index_version?: number | null;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121310_passkeys: passkeys and security keys (WebAuthn; src/auth/passkeys.ts).

/** A member's passkey. `id` is the credential id (base64url), as the authenticator names it. */
export interface WebauthnCredentialsTable {
  id: string;
  user_id: string;
  /** The COSE public key, base64url: not a secret, it only checks signatures. */
  public_key: string;
  /** The authenticator's signature counter (a bigint on PostgreSQL, which pg returns as text). */
  counter: number | string;
  /** JSON array of transports the authenticator named (`usb`, `internal`, `hybrid`…). */
  transports: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** A ceremony begun and not finished (src/auth/passkey-challenges.ts): single use, short-lived. */
export interface WebauthnChallengesTable {
  /** sha-256 (hex) of the challenge (base64url text); the challenge itself is not stored. */
  challenge_hash: string;
  purpose: "register" | "sign-in" | "second-factor";
  /** sha-256 (hex) of what the browser holds: its session's id hash, or its sign-in cookie. */
  binding_hash: string;
  user_id: string | null;
  created_at: string;
  expires_at: string;
}

export interface SessionsTable {
  /** 1: the password was right, the second factor is still to come. */
  pending: number;
  /** How the second factor was passed; null: not passed, or passed before this was recorded. */
  second_factor: "totp" | "recovery-code" | "passkey" | null;
}

export interface DatabaseSchema {
  webauthn_credentials: WebauthnCredentialsTable;
  webauthn_challenges: WebauthnChallengesTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121335_sso: single sign-on with OpenID Connect (src/commands/sso-sign-in.ts).

/** A sign-in sent to an identity provider and not back yet (src/auth/oidc-logins.ts). */
export interface OidcLoginsTable {
  /** sha-256 (hex) of the `state` sent to the provider. */
  state_hash: string;
  provider: string;
  /** sha-256 (hex) of the short-lived cookie of the browser that began it. */
  binding_hash: string;
  /** The PKCE verifier: useful only with the code, once, within minutes. */
  code_verifier: string;
  nonce: string;
  /** Where to go after signing in (a path on this site). */
  next: string | null;
  created_at: string;
  expires_at: string;
}

/** A membership a provider gave from the member's groups, with the role it gave. */
export interface SsoGrantsTable {
  user_id: string;
  program: string;
  provider: string;
  role: "admin" | "responder" | "viewer";
  granted_at: string;
}

export interface SessionsTable {
  /** The provider the session signed in with; null (or absent, before the migration): not SSO. */
  sso_provider?: string | null;
}

export interface DatabaseSchema {
  oidc_logins: OidcLoginsTable;
  sso_grants: SsoGrantsTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121350_membership_scope: a role limited to the cases assigned to the member.

export interface MembershipsTable {
  /** `assigned`: only the cases assigned to the member or to a team group of theirs; `all`: every case. */
  scope?: "all" | "assigned";
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121351_confidential_cases: cases only the members named on them may see.

export interface CasesTable {
  /** 1: only the members in case_members see the case; optional for rows built by hand (0). */
  confidential?: number;
}

/** A member named on a confidential case (src/commands/confidentiality.ts). */
export interface CaseMembersTable {
  case_id: string;
  user_id: string;
  added_at: string;
}

export interface DatabaseSchema {
  case_members: CaseMembersTable;
}

// ---------------------------------------------------------------------------------------------
// Migration 2026121370_case_keys: per-case data keys, erasure.

/** A case's own data key (src/store/case-keys.ts), wrapped by the keyring; null once erased. */
export interface CaseKeysTable {
  /** `c-<caseId>` (report, conversation, files) or `p-<caseId>` (the reporter's contact details). */
  key_id: string;
  case_id: string;
  key_ct: string | null;
  created_at: string;
  destroyed_at: string | null;
}

export interface CaseEventsTable {
  /** sha256 of the canonical plaintext payload, kept only once the payload is erased. */
  payload_digest?: string | null;
}

export interface CasesTable {
  erased_at?: string | null;
  contact_erased_at?: string | null;
  files_erased_at?: string | null;
}

/** A backup `embargo backup` made (src/store/backup-log.ts): where, and when its snapshot began. */
export interface BackupLogTable {
  id: string;
  file: string;
  created_at: string;
}

export interface DatabaseSchema {
  case_keys: CaseKeysTable;
  backup_log: BackupLogTable;
}
