import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Staff } from "../../auth/staff.js";
import { emailsOf, type TeamMember, teamOfProgram } from "../../auth/team.js";
import { inboxClock } from "../../domain/clocks/countdown.js";
import { CWE_CATALOGUE_SOURCE, searchCwe } from "../../domain/cwe/index.js";
import { isPhaseAction } from "../../domain/incident/phases.js";
import { allowedTransitions, isCaseState } from "../../domain/lifecycle/index.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { caseProgramOf } from "../../store/case-lookup.js";
import { getAttachment } from "../../store/cases.js";
import { recordIncidentPhase } from "../../store/incident-phases.js";
import {
  acknowledge,
  addInternalNote,
  assign,
  follow,
  getCaseForStaff,
  listInbox,
  replyToReporter,
  StaffCommandError,
  type TeamActor,
  unfollow,
} from "../../store/staff-cases.js";
import { teamActor } from "../../store/staff-validation.js";
import {
  clocksOf,
  closingOutcomesFor,
  creditKeeper,
  disclosureOf,
  dueDateInput,
  keyFingerprint,
  likelyDuplicates,
  markPrivacyIncidentFor,
  moveCase,
  recordAuthorityNotifiedFor,
  recordFixReleaseFor,
  triageCase,
} from "../../workspace/case-work.js";
import { clockNeedsOf, inboxClocksOf } from "../../workspace/inbox-clocks.js";
import { formUploadBodyLimit } from "../body-limits.js";
import { caseCommandHttpError } from "../case-errors.js";
import type { WebContext } from "../context.js";
import { notFound } from "../errors.js";
import { readFormBody, requireFormContentType } from "../form-body.js";
import { canWorkCase, caseNotFound, requireCaseAccess, viewablePrograms } from "../permissions.js";
import { requireStaff } from "../staff-session.js";
import { readTriageForm, TRIAGE_FIELDS } from "../triage-form.js";
import { CASE_NOTICES, CasePage, type Draft } from "../views/case-page.js";
import { CwePage } from "../views/cwe-page.js";
import { InboxPage } from "../views/inbox.js";
import { renderPage } from "../views/layout.js";
import { InboxQuery, type InboxQueryValue, inboxFilterOf } from "./inbox-query.js";
import { contentDisposition } from "./reporter.js";

const CaseParams = z.object({ id: z.string().max(64) });
const AttachmentParams = CaseParams.extend({ aid: z.string().max(64) });
const CaseQuery = z.object({ notice: z.string().max(20).optional() });
const CweQuery = z.object({ q: z.string().max(200).optional() });

/** Store field names → the form fields that show their errors. */
const FORM_FIELDS: Readonly<Record<string, string>> = {
  priority: TRIAGE_FIELDS.priority,
  dueAt: TRIAGE_FIELDS.dueDate,
  severity: TRIAGE_FIELDS.severity,
  assetId: TRIAGE_FIELDS.asset,
  tags: TRIAGE_FIELDS.tags,
  cwe: TRIAGE_FIELDS.cwe,
  cvss31: "cvss-vector",
  cvss40: "cvss-vector",
  to: "to",
  outcome: "outcome",
  duplicateOf: "duplicate-of",
  assignee: "assignee",
  phase: "incident-phase",
  action: "incident-phase",
  releasedAt: "released-at",
  since: "privacy-since",
  notifiedAt: "authority-notified-at",
};

/**
 * The team's workspace in the browser: the inbox, the case page and its actions, attachments and
 * a CWE lookup. Server-rendered, no JavaScript; every form posts with a CSRF token and answers
 * 303 back to the case with a notice, or the page again with the error beside its field.
 * Who may do what is decided in src/web/permissions.ts.
 */
export async function staffRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const forms = { onRequest: requireFormContentType, preHandler: scope.csrfProtection };

  const html = (reply: FastifyReply, status: number, page: preact.VNode) =>
    reply
      .status(status)
      .header("cache-control", "no-store")
      .type("text/html; charset=utf-8")
      .send(renderPage(page));
  const backToCase = (reply: FastifyReply, id: string, notice: keyof typeof CASE_NOTICES) =>
    reply
      .status(303)
      .header("cache-control", "no-store")
      .header("location", `/cases/${id}?notice=${notice}`)
      .send();

  /** The program of a case `staff` may `access` (404 when they may not see it, 403 when they may not work it). */
  const caseProgram = async (staff: Staff, id: string, access: "view" | "work"): Promise<LoadedPolicy> => {
    const slug = requireCaseAccess(staff, await caseProgramOf(ctx.store, id), access);
    const program = ctx.programs.get(slug);
    if (program === undefined) throw caseNotFound();
    return program;
  };
  const actorOf = (staff: Staff): TeamActor => teamActor(staff.userId);
  /** Members of the program's team who may work its cases (the assignees to offer). */
  const assignableOf = async (slug: string): Promise<TeamMember[]> =>
    (await teamOfProgram(ctx.store, slug)).filter((member) =>
      canWorkCase({ roles: new Map([[slug, member.role]]) }, slug),
    );

  const casePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    id: string,
    extra: { notice?: string; errors?: Map<string, string>; draft?: Draft } = {},
  ) => {
    const staff = requireStaff(request);
    const program = await caseProgram(staff, id, "view");
    const found = await getCaseForStaff(ctx.store, ctx.keyring, id);
    if (found === undefined) throw caseNotFound();
    const slug = program.policy.program.slug;
    const now = ctx.clock();
    // Everyone the page names: authors, assignees (now and before), followers.
    const userIds = found.events.flatMap((event) => {
      const ids = event.actor.startsWith("team:") ? [event.actor.slice("team:".length)] : [];
      if (event.type === "case.assigned" && typeof event.payload === "object" && event.payload !== null)
        for (const who of Object.values(event.payload)) if (typeof who === "string") ids.push(who);
      return ids;
    });
    if (found.assignee !== null) userIds.push(found.assignee);
    const [names, assignable, duplicates, fingerprint, keepsCredit] = await Promise.all([
      emailsOf(ctx.store, [...userIds, ...found.followers]),
      assignableOf(slug),
      likelyDuplicates(ctx, found),
      keyFingerprint(found.contact.openpgpKey),
      creditKeeper(ctx, program.policy, found),
    ]);
    const state = isCaseState(found.state) ? found.state : undefined;
    return html(
      reply,
      status,
      CasePage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        userId: staff.userId,
        canWork: canWorkCase(staff, slug),
        program,
        found,
        names,
        assignable,
        clocks: clocksOf(program, found, now),
        disclosure: disclosureOf(program, found, now),
        duplicates,
        fingerprint,
        ...(keepsCredit === undefined ? {} : { keepsCredit }),
        allowed: state === undefined ? [] : allowedTransitions(state),
        outcomes: state === undefined ? [] : closingOutcomesFor(state, program.policy),
        dueDate: dueDateInput(found.triage.dueAt, program.policy.serviceLevels.calendar.timeZone),
        errors: extra.errors ?? new Map(),
        ...(extra.notice === undefined ? {} : { notice: extra.notice }),
        ...(extra.draft === undefined ? {} : { draft: extra.draft }),
      }),
    );
  };

  /**
   * Runs a case command for a form; a refusal the person can fix is shown beside its field (with
   * the status the API would answer), anything else goes to the app's error handler.
   */
  const formCommand = async <T>(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    draft: Draft,
    run: () => Promise<T>,
    textField?: string,
  ): Promise<{ ok: true; value: T } | { ok: false; sent: FastifyReply }> => {
    try {
      return { ok: true, value: await run() };
    } catch (error) {
      const mapped = error instanceof StaffCommandError ? caseCommandHttpError(error) : undefined;
      if (mapped === undefined || mapped.statusCode === 404) throw error;
      const errors = new Map<string, string>();
      const first = mapped.fields?.[0];
      if (mapped.id === "transition_not_allowed") errors.set("transition", mapped.message);
      else if (mapped.id === "phase_not_allowed") errors.set("incident-phase", mapped.message);
      else if (first !== undefined)
        errors.set(
          first.field === "text" && textField !== undefined
            ? textField
            : (FORM_FIELDS[first.field] ?? first.field),
          first.message,
        );
      else errors.set("transition", mapped.message);
      return { ok: false, sent: await casePage(request, reply, mapped.statusCode, id, { errors, draft }) };
    }
  };

  // -------------------------------------------------------------------------------------------
  // The inbox

  app.get("/inbox", { schema: { querystring: InboxQuery, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const all = ctx.programs.all();
    const viewable = viewablePrograms(
      staff,
      all.map((p) => p.policy.program.slug),
    );
    const programs = all.filter((p) => viewable.includes(p.policy.program.slug));
    const now = ctx.clock();
    let page: Awaited<ReturnType<typeof listInbox>> = { rows: [] };
    let error: string | undefined;
    try {
      page = await listInbox(ctx.store, ctx.keyring, {
        ...inboxFilterOf(request.query, staff, viewable, now),
        clockNeeds: clockNeedsOf(ctx.programs),
      });
    } catch (caught) {
      const mapped = caseCommandHttpError(caught);
      if (mapped === undefined) throw caught;
      error = mapped.message;
    }
    const [names, teams] = await Promise.all([
      emailsOf(
        ctx.store,
        page.rows.flatMap((row) => (row.assignee === null ? [] : [row.assignee])),
      ),
      Promise.all(viewable.map((slug) => teamOfProgram(ctx.store, slug))),
    ]);
    const team = [...new Map(teams.flat().map((m) => [m.id, { id: m.id, email: m.email }])).values()].sort(
      (a, b) => a.email.localeCompare(b.email),
    );
    const assets = [
      ...new Map(
        programs.flatMap((p) => p.policy.scope.inScope.map((a) => [a.id, { id: a.id, name: a.name }])),
      ).values(),
    ];
    const programName = new Map(programs.map((p) => [p.policy.program.slug, p.policy.program.name]));
    return html(
      reply,
      error === undefined ? 200 : 400,
      InboxPage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        query: request.query,
        programs: programs.map((p) => ({ slug: p.policy.program.slug, name: p.policy.program.name })),
        assets,
        team,
        rows: page.rows.map((row) => ({
          id: row.id,
          title: row.title,
          programName: programName.get(row.program) ?? row.program,
          state: row.state,
          outcome: row.outcome,
          severity: row.severity,
          cvss31Score: row.cvss31Score,
          cvss40Score: row.cvss40Score,
          priority: row.priority,
          assignee: row.assignee === null ? null : (names.get(row.assignee) ?? row.assignee),
          tags: row.tags,
          clock: inboxClock(row, now),
          clocks: inboxClocksOf(ctx.programs.get(row.program), row, now),
        })),
        ...(page.next === undefined ? {} : { nextUrl: nextPageUrl(request.query, page.next) }),
        ...(error === undefined ? {} : { error }),
      }),
    );
  });

  // -------------------------------------------------------------------------------------------
  // The case page and its files

  app.get(
    "/cases/:id",
    { schema: { params: CaseParams, querystring: CaseQuery, hide: true } },
    async (request, reply) => {
      const notice = request.query.notice === undefined ? undefined : CASE_NOTICES[request.query.notice];
      return casePage(request, reply, 200, request.params.id, notice === undefined ? {} : { notice });
    },
  );

  app.get(
    "/cases/:id/attachments/:aid",
    { schema: { params: AttachmentParams, hide: true } },
    async (request, reply) => {
      const staff = requireStaff(request);
      await caseProgram(staff, request.params.id, "view");
      const file = await getAttachment(ctx.store, ctx.keyring, request.params.id, request.params.aid, "team");
      if (file === undefined) throw notFound("Attachment");
      // Always a download, never rendered: the stored type is the sender's claim, not a fact.
      return reply
        .header("cache-control", "no-store")
        .header("content-disposition", contentDisposition(file.filename))
        .header("content-security-policy", "sandbox; default-src 'none'")
        .header("x-content-type-options", "nosniff")
        .type("application/octet-stream")
        .send(file.data);
    },
  );

  // -------------------------------------------------------------------------------------------
  // Actions (responders and administrators)

  app.post(
    "/cases/:id/acknowledge",
    { schema: { params: CaseParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = request.params;
      await caseProgram(staff, id, "work");
      const { acknowledged } = await acknowledge(ctx.store, ctx.keyring, id, actorOf(staff), ctx.clock());
      return backToCase(reply, id, acknowledged ? "acknowledged" : "unchanged");
    },
  );

  app.post(
    "/cases/:id/reply",
    {
      schema: { params: CaseParams, hide: true },
      ...forms,
      bodyLimit: formUploadBodyLimit(ctx.config.limits),
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = request.params;
      await caseProgram(staff, id, "work");
      const form = await readFormBody(request, ctx.config.limits.attachmentsTotalBytes);
      const text = form.fields.reply ?? "";
      const done = await formCommand(
        request,
        reply,
        id,
        form,
        () =>
          replyToReporter(ctx.store, ctx.keyring, id, actorOf(staff), text, form.files, ctx.clock(), {
            detailedResponse: form.fields["detailed-response"] === "yes",
          }),
        "reply",
      );
      return done.ok ? backToCase(reply, id, "replied") : done.sent;
    },
  );

  app.post(
    "/cases/:id/note",
    {
      schema: { params: CaseParams, hide: true },
      ...forms,
      bodyLimit: formUploadBodyLimit(ctx.config.limits),
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = request.params;
      await caseProgram(staff, id, "work");
      const form = await readFormBody(request, ctx.config.limits.attachmentsTotalBytes);
      const text = form.fields.note ?? "";
      const done = await formCommand(
        request,
        reply,
        id,
        form,
        () => addInternalNote(ctx.store, ctx.keyring, id, actorOf(staff), text, ctx.clock(), form.files),
        "note",
      );
      return done.ok ? backToCase(reply, id, "noted") : done.sent;
    },
  );

  app.post(
    "/cases/:id/assign",
    { schema: { params: CaseParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = request.params;
      const program = await caseProgram(staff, id, "work");
      const form = await readFormBody(request, 0);
      const wanted = (form.fields.assignee ?? "").trim();
      const assignable = await assignableOf(program.policy.program.slug);
      if (wanted !== "" && !assignable.some((member) => member.id === wanted)) {
        const errors = new Map([
          ["assignee", "Choose a member of the team who may work on this program's cases."],
        ]);
        return casePage(request, reply, 400, id, { errors, draft: form });
      }
      const { changed } = await assign(
        ctx.store,
        ctx.keyring,
        id,
        actorOf(staff),
        wanted === "" ? null : wanted,
        ctx.clock(),
      );
      return backToCase(reply, id, changed ? "assigned" : "unchanged");
    },
  );

  for (const [path, command, notice] of [
    ["follow", follow, "followed"],
    ["unfollow", unfollow, "unfollowed"],
  ] as const) {
    app.post(
      `/cases/:id/${path}`,
      { schema: { params: CaseParams, hide: true }, ...forms },
      async (request, reply) => {
        const staff = requireStaff(request);
        const { id } = request.params;
        await caseProgram(staff, id, "work");
        const { changed } = await command(ctx.store, ctx.keyring, id, staff.userId, ctx.clock());
        return backToCase(reply, id, changed ? notice : "unchanged");
      },
    );
  }

  app.post(
    "/cases/:id/triage",
    { schema: { params: CaseParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = request.params;
      const program = await caseProgram(staff, id, "work");
      const form = await readFormBody(request, 0);
      const read = readTriageForm(form.fields, form.lists);
      if (!read.ok) {
        const errors = new Map([[read.field, read.message]]);
        return casePage(request, reply, 400, id, { errors, draft: form });
      }
      const current = await getCaseForStaff(ctx.store, ctx.keyring, id);
      if (current === undefined) throw caseNotFound();
      const done = await formCommand(request, reply, id, form, () =>
        triageCase(ctx, program, current, actorOf(staff), read.input),
      );
      if (!done.ok) return done.sent;
      return backToCase(reply, id, done.value.changed ? "triaged" : "unchanged");
    },
  );

  app.post(
    "/cases/:id/transition",
    { schema: { params: CaseParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = request.params;
      const program = await caseProgram(staff, id, "work");
      const form = await readFormBody(request, 0);
      const other = (form.fields["duplicate-of-other"] ?? "").trim();
      const done = await formCommand(request, reply, id, form, () =>
        moveCase(ctx, program, id, actorOf(staff), {
          to: form.fields.to ?? "",
          outcome: form.fields.outcome,
          duplicateOf: other !== "" ? other : form.fields["duplicate-of"],
        }),
      );
      return done.ok ? backToCase(reply, id, "moved") : done.sent;
    },
  );

  app.post(
    "/cases/:id/incident-phase",
    { schema: { params: CaseParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = request.params;
      const program = await caseProgram(staff, id, "work");
      const form = await readFormBody(request, 0);
      const phaseId = (form.fields.phase ?? "").trim();
      const action = (form.fields.action ?? "").trim();
      if (!isPhaseAction(action)) {
        const errors = new Map([["incident-phase", "Choose to start, complete or skip the phase."]]);
        return casePage(request, reply, 400, id, { errors, draft: form });
      }
      const done = await formCommand(request, reply, id, form, () =>
        recordIncidentPhase(
          ctx.store,
          ctx.keyring,
          id,
          actorOf(staff),
          { phaseId, action },
          program.policy.incident.phases,
          ctx.clock(),
        ),
      );
      return done.ok ? backToCase(reply, id, "phase") : done.sent;
    },
  );

  // Disclosure: the fix release, a privacy incident, the authority notified. Each takes an
  // optional date and time in the program's time zone (empty: now).
  for (const [path, field, command, notice] of [
    ["fix-release", "released-at", recordFixReleaseFor, "fix-released"],
    ["privacy-incident", "privacy-since", markPrivacyIncidentFor, "privacy-incident"],
    ["authority-notified", "authority-notified-at", recordAuthorityNotifiedFor, "authority-notified"],
  ] as const) {
    app.post(
      `/cases/:id/${path}`,
      { schema: { params: CaseParams, hide: true }, ...forms },
      async (request, reply) => {
        const staff = requireStaff(request);
        const { id } = request.params;
        const program = await caseProgram(staff, id, "work");
        const form = await readFormBody(request, 0);
        const done = await formCommand(request, reply, id, form, () =>
          command(ctx, program, id, actorOf(staff), form.fields[field]),
        );
        if (!done.ok) return done.sent;
        return backToCase(reply, id, done.value.changed ? notice : "unchanged");
      },
    );
  }

  // -------------------------------------------------------------------------------------------
  // CWE lookup (for people without JavaScript)

  app.get("/cwe", { schema: { querystring: CweQuery, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const query = (request.query.q ?? "").trim();
    return html(
      reply,
      200,
      CwePage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        query,
        results: query === "" ? [] : searchCwe(query, 25),
        source: CWE_CATALOGUE_SOURCE,
      }),
    );
  });
}

/** The same filters, one page further. */
function nextPageUrl(query: InboxQueryValue, next: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (name !== "after" && value !== undefined && value !== "") params.set(name, String(value));
  }
  params.set("after", next);
  return `/inbox?${params.toString()}`;
}
