import type { Transaction } from "kysely";
import type { Logger } from "pino";
import { ALL_PROGRAMS } from "../auth/staff.js";
import { appendToCase, lockCase } from "../commands/case-change.js";
import { decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { caseLabel } from "../domain/cases/case-number.js";
import type { CaseClockFacts } from "../domain/clocks/case-clocks.js";
import { planEscalation } from "../domain/clocks/case-escalation.js";
import { type DisclosureStep, disclosureRecipients, planDisclosure } from "../domain/clocks/disclosure.js";
import type { EscalationStep } from "../domain/clocks/escalation.js";
import { NO_PLAN_RECORDS } from "../domain/disclosure/plan.js";
import { disclosurePlanWork } from "../domain/disclosure/plan-work.js";
import { mayHear, type NamedAudience } from "../domain/notifications/confidential-audience.js";
import { type CaseEventFact, planEventNotices } from "../domain/notifications/event-notices.js";
import {
  assignedGroup,
  type CasePeople,
  groupMemberEmails,
  type Recipient,
  recipientKey,
  resolveNotifyList,
  teamLabel,
  webhooksFor,
} from "../domain/notifications/recipients.js";
import { reporterChannel } from "../mail/reporter-channel.js";
import type { Policy } from "../policy/schema.js";
import type { ProgramRegistry } from "../programs/registry.js";
import { aad } from "../store/aad.js";
import { contactSchema, reportSchema } from "../store/cases.js";
import { clockFactsOfRow, clockHistories, clockNeeds } from "../store/clock-facts.js";
import type { Store } from "../store/database.js";
import { keepDisclosureDue, readPlanRecords } from "../store/disclosure-plan.js";
import type { NewEvent } from "../store/event-log.js";
import { enqueueNotification } from "../store/outbox.js";
import type { CasesTable, DatabaseSchema } from "../store/schema.js";
import { domainEventType } from "../store/staff-events.js";
import { planDisclosureSends } from "./disclosure-plan-steps.js";
import {
  type ContentContext,
  disclosureNotification,
  escalationNotification,
  eventNotification,
} from "./notification-content.js";
import { planReporterClocks } from "./reporter-clocks.js";

/**
 * The timer worker: takes the case timers that are due, and for each case, in one transaction,
 * records the escalation steps now owed (a case event each), queues their notifications and the
 * notices of the case's new events in the outbox, and moves the timer to the case's next step.
 *
 * Safe with several instances: on PostgreSQL the due timers are taken FOR UPDATE SKIP LOCKED (two
 * workers take disjoint cases) and the case row with SKIP LOCKED too (a case a command is
 * changing right now is left for the next tick; the command wakes it again anyway). On SQLite the
 * write transaction is exclusive. Everything a tick decides commits together or not at all, so a
 * kill -9 in the middle leaves the timer due and nothing half-written; escalation steps and outbox
 * rows carry unique keys, so a step is never taken twice.
 */
export interface TimerWorkerDeps {
  store: Store;
  keyring: Keyring;
  programs: ProgramRegistry;
  publicUrl: string;
  logger: Logger;
  /** Reply addresses and Message-IDs of mail to reporters (src/mail/reporter-channel.ts). */
  mailKey: Buffer;
  mailDomain: string;
}

export interface TickResult {
  /** Timers taken (cases looked at). */
  cases: number;
  escalations: number;
  notifications: number;
}

/** `due_at` of a case with nothing scheduled: the next change wakes it. */
const NEVER = new Date("9999-12-31T23:59:59.999Z");

const RETRY_AFTER_ERROR_MS = [60_000, 300_000, 1_800_000, 3_600_000];

/** What one tick knows besides its deps. */
interface Tick extends TimerWorkerDeps {
  /** Programs with a key to sign (and so to encrypt) mail. */
  signing: ReadonlySet<string>;
}

export async function processDueTimers(base: TimerWorkerDeps, now: Date, limit = 100): Promise<TickResult> {
  // Read before the transaction: on SQLite a query on the store inside it would wait for it.
  const deps: Tick = { ...base, signing: await programsWithSigningKeys(base.store) };
  try {
    return await deps.store.transaction((trx) => processBatch(deps, trx, now, limit));
  } catch (error) {
    // One case broke the batch (on PostgreSQL the whole transaction is then void): go one by one,
    // so the others go on and the broken one is put off with its error recorded.
    deps.logger.warn({ err: errorName(error) }, "timer batch failed; retrying case by case");
    return processOneByOne(deps, now, limit);
  }
}

async function dueTimers(trx: Transaction<DatabaseSchema>, store: Store, now: Date, limit: number) {
  return trx
    .selectFrom("case_timers")
    .select(["case_id", "processed_seq", "attempts"])
    .where("due_at", "<=", now.toISOString())
    .orderBy("due_at")
    .limit(limit)
    .$if(store.dialect === "postgres", (q) => q.forUpdate().skipLocked())
    .execute();
}

async function processBatch(
  deps: Tick,
  trx: Transaction<DatabaseSchema>,
  now: Date,
  limit: number,
): Promise<TickResult> {
  const timers = await dueTimers(trx, deps.store, now, limit);
  const total: TickResult = { cases: 0, escalations: 0, notifications: 0 };
  for (const timer of timers) {
    const result = await processCase(deps, trx, timer.case_id, timer.processed_seq, now);
    total.cases += 1;
    total.escalations += result.escalations;
    total.notifications += result.notifications;
  }
  return total;
}

async function processOneByOne(deps: Tick, now: Date, limit: number): Promise<TickResult> {
  const timers = await deps.store.transaction((trx) => dueTimers(trx, deps.store, now, limit));
  const total: TickResult = { cases: 0, escalations: 0, notifications: 0 };
  for (const timer of timers) {
    try {
      const result = await deps.store.transaction((trx) =>
        processCase(deps, trx, timer.case_id, timer.processed_seq, now),
      );
      total.cases += 1;
      total.escalations += result.escalations;
      total.notifications += result.notifications;
    } catch (error) {
      const wait = RETRY_AFTER_ERROR_MS[Math.min(timer.attempts, RETRY_AFTER_ERROR_MS.length - 1)]!;
      deps.logger.error({ caseId: timer.case_id, err: errorName(error) }, "case timer failed");
      await deps.store.db
        .updateTable("case_timers")
        .set({
          due_at: new Date(now.getTime() + wait).toISOString(),
          attempts: timer.attempts + 1,
          last_error: errorName(error),
        })
        .where("case_id", "=", timer.case_id)
        .execute();
    }
  }
  return total;
}

/**
 * What is logged and kept in `case_timers.last_error` about a failure: the error's class and,
 * when it has one, its fixed code (`SQLITE_BUSY`, PostgreSQL's SQLSTATE `40P01`), never its
 * message, stack or cause: those may quote data (a decrypted payload, a row's values in a
 * constraint error). The same rule as the mail code (src/mail/ingest.ts) and the delivery worker.
 */
export function errorName(error: unknown): string {
  if (!(error instanceof Error)) return "unknown error";
  const name = /^[A-Za-z][\w$]{0,59}$/.test(error.name) ? error.name : "Error";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? `${name} (${code})` : name;
}

async function processCase(
  deps: Tick,
  trx: Transaction<DatabaseSchema>,
  caseId: string,
  processedSeq: number,
  now: Date,
): Promise<{ escalations: number; notifications: number }> {
  const row = await lockCase(trx, deps.store, { id: caseId }, { skipLocked: true });
  if (row === undefined) {
    // Locked by a command in flight (it wakes the case again when it commits), or gone.
    return { escalations: 0, notifications: 0 };
  }
  const program = deps.programs.get(row.program);
  if (program === undefined || (row.erased_at ?? null) !== null) {
    // The program's policy was removed: nothing to enforce; a later change wakes it again. Or the
    // case was erased (src/commands/erase-case.ts): no clock runs and nothing about it is sent.
    await trx
      .updateTable("case_timers")
      .set({ due_at: NEVER.toISOString() })
      .where("case_id", "=", caseId)
      .execute();
    return { escalations: 0, notifications: 0 };
  }
  const policy = program.policy;

  const events =
    row.event_count > processedSeq ? await newEvents(deps.keyring, trx, caseId, processedSeq) : [];
  const histories = await clockHistories(trx, deps.keyring, [{ id: caseId, needs: clockNeeds(policy) }]);
  const clockFacts = clockFactsOfRow(row, histories.get(caseId));
  const taken = new Set(
    (await trx.selectFrom("case_escalations").select("step_key").where("case_id", "=", caseId).execute()).map(
      (r) => r.step_key,
    ),
  );
  // The disclosure plan (src/domain/disclosure/plan.ts): the dates the team moved, the tasks.
  const work = disclosurePlanWork(
    caseId,
    policy,
    clockFacts,
    policy.disclosure.phases.length > 0 || policy.disclosure.embargo !== undefined
      ? await readPlanRecords(trx, deps.keyring, caseId)
      : NO_PLAN_RECORDS,
    row.assignee,
    taken,
    now,
  );
  const facts = work.facts;
  const plan = planEscalation(caseId, policy, facts, taken, now);
  const disclosure = planDisclosure(caseId, policy, facts, taken, now);
  const owners = [...openItemOwners(facts), ...work.owners];
  const people = await peopleOf(deps.keyring, trx, row, owners, policy);
  const names = await userNames(trx, events, people, policy);
  // Mail to the reporter goes as the program, threaded and (when possible) encrypted.
  const toReporter =
    people.reporterEmail === null
      ? undefined
      : await reporterChannel(
          trx,
          { ...deps, canSign: (slug) => deps.signing.has(slug) },
          program,
          row,
          people.reporterKey,
          now,
        );
  const context: ContentContext = {
    policy,
    caseId,
    reference: caseLabel(row),
    title: await titleOf(deps.keyring, trx, row),
    publicUrl: deps.publicUrl,
    at: now,
    ...(toReporter === undefined
      ? {}
      : { reporter: { mayRead: toReporter.mayRead, answerByMail: toReporter.answerByMail } }),
  };

  let notifications = 0;
  // A confidential case is told only to the members named on it (and its reporter).
  const named = await namedAudienceOf(trx, row);
  const enqueue = async (notification: ReturnType<typeof eventNotification>, recipient: Recipient) => {
    if (!mayHear(recipient, named)) return;
    // A team member's reply is a person's message; every other notice is generated (RFC 3834).
    const mail =
      recipient.kind === "reporter" && toReporter !== undefined
        ? {
            ...toReporter.mail,
            autoSubmitted: notification.event === "team.reply" ? null : ("auto-generated" as const),
          }
        : undefined;
    await enqueueNotification(trx, deps.keyring, {
      program: policy.program.slug,
      caseId,
      message: { recipient, notification, ...(mail === undefined ? {} : { mail }) },
      at: now,
    });
    notifications += 1;
  };

  if (events.length > 0) {
    const notices = planEventNotices(policy, events, people, (id) =>
      id === null ? "Someone" : (names.get(id) ?? "A team member"),
    );
    const range = { from: events[0]!.seq, to: events.at(-1)!.seq };
    for (const notice of notices) await enqueue(eventNotification(context, notice, range), notice.recipient);
  }

  const escalationEvents: NewEvent[] = [];
  for (const step of plan.take) {
    const recipients = [
      ...resolveNotifyList(step.notify, policy, people),
      ...webhooksFor(policy, "escalation"),
    ];
    for (const recipient of recipients)
      await enqueue(escalationNotification(context, step, recipient), recipient);
    escalationEvents.push(escalationEvent(step, recipients, plan.superseded, now));
  }
  for (const due of disclosure.take) {
    // A phase falling due is told to the owners of its open tasks too.
    const step = work.withOwners(due);
    const recipients = disclosureRecipients(policy, step, people);
    for (const recipient of recipients)
      await enqueue(disclosureNotification(context, step, recipient), recipient);
    escalationEvents.push(disclosureEvent(step, recipients, disclosure.superseded, now));
  }
  // The reporter's publication date and the agreement's reminder (src/jobs/reporter-clocks.ts).
  const reporterClocks = planReporterClocks({ policy, caseId, row, events, people, taken, now, context });
  for (const send of reporterClocks.sends) await enqueue(send.notification, send.recipient);
  escalationEvents.push(...reporterClocks.events);
  // The disclosure plan's notices to the reporter and its overdue tasks (src/jobs/disclosure-plan-steps.ts).
  const planSends = planDisclosureSends({ policy, caseId, work, people, context, now });
  for (const send of planSends.sends) await enqueue(send.notification, send.recipient);
  escalationEvents.push(...planSends.events);
  for (const step of [
    ...plan.take,
    ...plan.superseded,
    ...disclosure.take,
    ...disclosure.superseded,
    ...reporterClocks.steps,
    ...planSends.steps,
  ]) {
    await trx
      .insertInto("case_escalations")
      .values({ step_key: step.idempotencyKey, case_id: caseId, at: now.toISOString() })
      .onConflict((conflict) => conflict.column("step_key").doNothing())
      .execute();
  }

  // Its own steps are appended like any other change; the timer then records them as told of
  // (processed_seq) and moves to the next step, overriding the wake the append asked for.
  const { eventCount } = await appendToCase(trx, deps.keyring, row, now, { events: escalationEvents });
  await keepDisclosureDue(trx, row, work.openDueAt);

  // The row stays when nothing is scheduled: it remembers which events were already told of.
  const nextAt = [plan.nextAt, disclosure.nextAt, reporterClocks.nextAt, work.steps.nextAt]
    .filter((at): at is Date => at !== null)
    .reduce<Date | null>((first, at) => (first === null || at < first ? at : first), null);
  await trx
    .updateTable("case_timers")
    .set({
      due_at: (nextAt ?? NEVER).toISOString(),
      processed_seq: eventCount,
      attempts: 0,
      last_error: null,
    })
    .where("case_id", "=", caseId)
    .execute();
  return {
    escalations:
      plan.take.length + disclosure.take.length + reporterClocks.steps.length + planSends.steps.length,
    notifications,
  };
}

/** `disclosure.phase_due` or `authority.notification_due`: internal, like escalation steps. */
function disclosureEvent(
  step: DisclosureStep,
  recipients: readonly Recipient[],
  superseded: readonly DisclosureStep[],
  now: Date,
): NewEvent {
  const notified = recipients.map(recipientKey);
  if (step.kind === "phase") {
    return {
      type: "disclosure.phase_due",
      actor: "system",
      at: now,
      payload: {
        phaseId: step.phase.id,
        day: step.phase.day,
        relativeTo: step.phase.relativeTo,
        dueAt: step.dueAt.toISOString(),
        notified,
      },
    };
  }
  return {
    type: "authority.notification_due",
    actor: "system",
    at: now,
    payload: {
      kind: step.kind === "authority-warn" ? "warn" : "breach",
      dueAt: step.deadline.toISOString(),
      notified,
      superseded: superseded.filter((s) => s.kind !== "phase").map((s) => s.kind.replace("authority-", "")),
    },
  };
}

function escalationEvent(
  step: EscalationStep,
  recipients: readonly Recipient[],
  superseded: readonly EscalationStep[],
  now: Date,
): NewEvent {
  return {
    type: domainEventType("escalation.step"),
    actor: "system",
    at: now,
    payload: {
      clockId: step.clockId,
      kind: step.kind,
      n: step.n,
      dueAt: step.dueAt.toISOString(),
      notified: recipients.map(recipientKey),
      superseded: superseded.filter((s) => s.clockId === step.clockId).map((s) => `${s.kind}:${s.n}`),
    },
  };
}

async function newEvents(
  keyring: Keyring,
  trx: Transaction<DatabaseSchema>,
  caseId: string,
  after: number,
): Promise<CaseEventFact[]> {
  const rows = await trx
    .selectFrom("case_events")
    .select(["seq", "type", "actor", "payload_ct"])
    .where("case_id", "=", caseId)
    .where("seq", ">", after)
    .orderBy("seq")
    .execute();
  await keyring.ensure(
    rows.map((r) => keyIdOf(r.payload_ct)),
    trx,
  );
  return rows.map((r) => ({
    seq: r.seq,
    type: r.type,
    actor: r.actor,
    payload: JSON.parse(decryptText(keyring, r.payload_ct, aad.event(caseId, r.seq))) as Record<
      string,
      unknown
    >,
  }));
}

async function programsWithSigningKeys(store: Store): Promise<Set<string>> {
  const rows = await store.db
    .selectFrom("program_keys")
    .select("program")
    .where("retired_at", "is", null)
    .execute();
  return new Set(rows.map((row) => row.program));
}

/** The owners of the case's open work items: the people `user:<id>` steps may name. */
function openItemOwners(facts: CaseClockFacts): string[] {
  const owners = (facts.actionItems ?? []).flatMap((item) =>
    item.doneAt === null && item.owner !== null ? [item.owner] : [],
  );
  return [...new Set(owners)];
}

/**
 * Of `userIds`, those who may still work the program's cases (an enabled account, responder or
 * administrator of the program or of every program), with their addresses: an owner who left the
 * team is not mailed about its cases any more.
 */
async function workingMembers(
  trx: Transaction<DatabaseSchema>,
  program: string,
  userIds: readonly string[],
): Promise<{ id: string; email: string }[]> {
  if (userIds.length === 0) return [];
  return trx
    .selectFrom("users")
    .innerJoin("memberships", "memberships.user_id", "users.id")
    .select(["users.id", "users.email"])
    .distinct()
    .where("users.id", "in", [...userIds])
    .where("users.disabled_at", "is", null)
    .where("memberships.program", "in", [program, ALL_PROGRAMS])
    .where("memberships.role", "in", ["responder", "admin"])
    .orderBy("users.id")
    .execute();
}

/**
 * The members of a team group with an account: enabled, responder or administrator of the program
 * (or of every program), with the address of one of the group's contacts. A contact with no such
 * account (or no address) hears nothing.
 */
async function groupMembers(
  trx: Transaction<DatabaseSchema>,
  program: string,
  emails: readonly string[],
): Promise<{ id: string; email: string }[]> {
  if (emails.length === 0) return [];
  return trx
    .selectFrom("users")
    .innerJoin("memberships", "memberships.user_id", "users.id")
    .select(["users.id", "users.email"])
    .distinct()
    .where("users.email", "in", [...emails])
    .where("users.disabled_at", "is", null)
    .where("memberships.program", "in", [program, ALL_PROGRAMS])
    .where("memberships.role", "in", ["responder", "admin"])
    .orderBy("users.id")
    .execute();
}

/** The members named on a confidential case; undefined when the case is not confidential. */
async function namedAudienceOf(
  trx: Transaction<DatabaseSchema>,
  row: CasesTable,
): Promise<NamedAudience | undefined> {
  if (row.confidential !== 1) return undefined;
  const rows = await trx
    .selectFrom("case_members")
    .innerJoin("users", "users.id", "case_members.user_id")
    .select(["users.id", "users.email"])
    .where("case_members.case_id", "=", row.id)
    .where("users.disabled_at", "is", null)
    .execute();
  return { ids: new Set(rows.map((r) => r.id)), emails: new Set(rows.map((r) => r.email.toLowerCase())) };
}

async function peopleOf(
  keyring: Keyring,
  trx: Transaction<DatabaseSchema>,
  row: CasesTable,
  ownerIds: readonly string[],
  policy: Policy,
): Promise<CasePeople & { reporterKey: string | null }> {
  const followers = await trx
    .selectFrom("case_followers")
    .innerJoin("users", "users.id", "case_followers.user_id")
    .select(["users.id", "users.email"])
    .where("case_followers.case_id", "=", row.id)
    .where("users.disabled_at", "is", null)
    .orderBy("case_followers.created_at")
    .execute();
  // A case assigned to a group is heard of by its members, each as themselves (user:<id> keys).
  const group = assignedGroup(policy, row.assignee);
  const assigneeGroup =
    group === undefined ? undefined : await groupMembers(trx, row.program, groupMemberEmails(policy, group));
  const assignee =
    row.assignee === null || group !== undefined
      ? undefined
      : await trx
          .selectFrom("users")
          .select(["id", "email"])
          .where("id", "=", row.assignee)
          .where("disabled_at", "is", null)
          .executeTakeFirst();
  let reporterEmail: string | null = null;
  let reporterKey: string | null = null;
  if (row.contact_ct !== null) {
    await keyring.ensure([keyIdOf(row.contact_ct)], trx);
    const contact = contactSchema.parse(
      JSON.parse(decryptText(keyring, row.contact_ct, aad.contact(row.id))),
    );
    reporterEmail = contact.email ?? null;
    reporterKey = contact.openpgpKey ?? null;
  }
  const owners = await workingMembers(trx, row.program, ownerIds);
  return {
    assignee: assignee ?? null,
    ...(assigneeGroup === undefined ? {} : { assigneeGroup }),
    followers,
    reporterEmail,
    reporterKey,
    owners,
  };
}

/**
 * Display names of the team members the events name: their sign-in addresses, the only name a
 * user has. planEventNotices uses them only for the team's email and confidential webhooks.
 */
async function userNames(
  trx: Transaction<DatabaseSchema>,
  events: readonly CaseEventFact[],
  people: CasePeople,
  policy: Policy,
): Promise<Map<string, string>> {
  const ids = new Set<string>();
  const names = new Map<string, string>();
  for (const event of events) {
    if (event.actor.startsWith("team:")) ids.add(event.actor.slice(5));
    const to = event.payload.to;
    if (event.type !== "case.assigned" || typeof to !== "string") continue;
    // A case assigned to a team group (`group:<id>`) is named by the group's name.
    const group = assignedGroup(policy, to);
    if (group === undefined) ids.add(to);
    else names.set(to, teamLabel(group));
  }
  if (people.assignee !== null) names.set(people.assignee.id, people.assignee.email);
  for (const follower of people.followers) names.set(follower.id, follower.email);
  const missing = [...ids].filter((id) => !names.has(id));
  if (missing.length > 0) {
    const rows = await trx.selectFrom("users").select(["id", "email"]).where("id", "in", missing).execute();
    for (const user of rows) names.set(user.id, user.email);
  }
  return names;
}

async function titleOf(keyring: Keyring, trx: Transaction<DatabaseSchema>, row: CasesTable): Promise<string> {
  await keyring.ensure([keyIdOf(row.report_ct)], trx);
  return reportSchema.parse(JSON.parse(decryptText(keyring, row.report_ct, aad.report(row.id)))).title;
}
