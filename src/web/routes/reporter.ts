import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { respondToAgreement } from "../../commands/lifecycle.js";
import { giveReporterFeedback, readFeedbackInvitation } from "../../commands/postmortem.js";
import { addReporterMessage } from "../../commands/reporter-message.js";
import {
  PublicationIntentRefused,
  publicationDateOf,
  statePublicationIntent,
} from "../../commands/reporter-warning.js";
import { declineReward, RewardRefused } from "../../commands/rewards.js";
import { MAX_DAYS_AHEAD, warningRule } from "../../domain/disclosure/reporter-warning.js";
import { MAX_FEEDBACK } from "../../domain/incident/action-items.js";
import { ANSWER_MAX_CHARS } from "../../intake/report-schema.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { findCaseForReporter, getAttachment, type ReporterCase } from "../../store/cases.js";
import { readRewardHistory } from "../../store/rewards.js";
import {
  AgreementNotPendingError,
  IncidentPhaseRefused,
  InvalidCaseCommandError,
} from "../../store/staff-errors.js";
import { FollowUpLimiter, followUpRefusalText } from "../abuse/follow-up-limiter.js";
import { rateLimitKeys } from "../abuse/rate-limit-keys.js";
import { sendAttachment } from "../attachment-download.js";
import { formUploadBodyLimit } from "../body-limits.js";
import type { WebContext } from "../context.js";
import { HttpError, notFound } from "../errors.js";
import { type FormBody, readFormBody, requireFormContentType } from "../form-body.js";
import { renderPage } from "../views/layout.js";
import { ReceiptPage, ReporterCasePage } from "../views/reporter-case.js";
import type { FeedbackView } from "../views/reporter-feedback.js";
import { reporterRewardView } from "../views/reporter-reward.js";
import type { WarningView } from "../views/reporter-warning.js";
import { creditViewOf, postCreditChange } from "./reporter-credit.js";

/** A reporter token is 32 random bytes in base64url: anything else is not worth a lookup. */
const Token = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const Params = z.object({ token: z.string().max(100) });
const AttachmentParams = Params.extend({ id: z.string().max(100) });
const MAX_MESSAGE = ANSWER_MAX_CHARS;
const MAX_AGREEMENT_COMMENT = 10_000;

/** The case a reporter's link opened, and its program. */
type Shown = { caseView: ReporterCase; program: LoadedPolicy };

/**
 * The reporter's private case pages, reached only through the capability link /r/{token}.
 * Nothing here is cached, and no page links out with a referrer (helmet: no-referrer).
 */
export async function reporterRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const followUps = new FollowUpLimiter(
    ctx.store,
    rateLimitKeys(ctx.powKey),
    ctx.config.followUpLimits,
    // The largest message the form takes: its text (4 bytes a character at most) and attachments.
    MAX_MESSAGE * 4 + ctx.config.limits.attachmentsTotalBytes,
    ctx.clock,
  );

  const load = async (token: string) => {
    if (!Token.safeParse(token).success) throw notFound("Case");
    const caseView = await findCaseForReporter(ctx.store, ctx.keyring, token);
    const program = caseView === undefined ? undefined : ctx.programs.get(caseView.program);
    if (caseView === undefined || program === undefined) throw notFound("Case");
    return { caseView, program };
  };
  const html = (reply: FastifyReply, status: number, page: string) =>
    reply.status(status).header("cache-control", "no-store").type("text/html; charset=utf-8").send(page);
  /** The feedback part of the page, when a phase of the program invites the reporter (Kitsu's postmortem). */
  const feedbackOf = async (
    caseView: ReporterCase,
    program: LoadedPolicy,
    extra: { error?: string; draft?: string } = {},
  ): Promise<FeedbackView | undefined> => {
    if (!program.policy.incident.phases.some((phase) => phase.reporterInvited)) return undefined;
    const invitation = await readFeedbackInvitation(ctx, program.policy, caseView.id);
    return { open: invitation.decision.ok, given: invitation.given, ...extra };
  };

  /** The warning before publishing (Kulupu's `disclosure.reporterWarning`), when the program asks for it. */
  const warningOf = async (
    caseView: ReporterCase,
    program: LoadedPolicy,
    extra: Pick<WarningView, "error" | "draft"> = {},
  ): Promise<WarningView | undefined> => {
    const rule = warningRule(program.policy);
    if (rule === null) return undefined;
    const publishesAt = await publicationDateOf(ctx.store, caseView.id);
    const now = ctx.clock();
    const day = (at: Date) => at.toISOString().slice(0, 10);
    return {
      text: rule.text,
      written: rule.written,
      publishOn: publishesAt === null ? null : day(publishesAt),
      today: day(now),
      latest: day(new Date(Date.parse(day(now)) + MAX_DAYS_AHEAD * 86_400_000)),
      closed: caseView.state === "closed",
      ...extra,
    };
  };

  /** The reward, once a second team member approved it (`recognition.reward`); never while merely proposed. */
  const rewardOf = async (caseView: ReporterCase, program: LoadedPolicy) => {
    const { kind, text } = program.policy.recognition.reward;
    if (kind === "none") return undefined;
    const history = await readRewardHistory(ctx.store.db, ctx.keyring, caseView.id);
    return reporterRewardView(history.current, text ?? null);
  };

  type PageProps = Parameters<typeof ReporterCasePage>[0];
  /**
   * The reporter's page with `status`: its feedback and warning parts as they stand, and what a form
   * adds (an error beside it, the draft it keeps); every form answers a problem with it.
   */
  const page = async (
    reply: FastifyReply,
    status: number,
    token: string,
    shown: Shown,
    extra: Partial<Omit<PageProps, "program" | "caseView" | "token" | "csrfToken">> = {},
  ) =>
    html(
      reply,
      status,
      renderPage(
        ReporterCasePage({
          ...shown,
          token,
          csrfToken: reply.generateCsrf(),
          feedback: await feedbackOf(shown.caseView, shown.program),
          warning: await warningOf(shown.caseView, shown.program),
          reward: await rewardOf(shown.caseView, shown.program),
          credit: await creditViewOf(ctx, shown.caseView, shown.program),
          ...extra,
        }),
      ),
    );

  type FormInput = {
    token: string;
    shown: Shown;
    form: FormBody;
    request: FastifyRequest;
    reply: FastifyReply;
  };
  /**
   * A form on the reporter's page, POSTed to /r/{token}/{action}: a form content type and the
   * CSRF token before anything else, then the case (404 for a bad token), `refuse` (a 409 before
   * the body is read, where the program offers no such thing), the body (files only where
   * `fileBytes` allows), and `handle`. `handle` answers a problem itself (the page again with the
   * error beside the form) or returns nothing, and the reporter is sent back to the page (303).
   */
  const reporterForm = (
    action: string,
    handle: (input: FormInput) => Promise<FastifyReply | undefined>,
    options: { fileBytes?: number; refuse?: (shown: Shown) => HttpError | undefined } = {},
  ) =>
    app.post(
      `/r/:token/${action}`,
      {
        schema: { params: Params, hide: true },
        ...(options.fileBytes === undefined ? {} : { bodyLimit: formUploadBodyLimit(ctx.config.limits) }),
        onRequest: requireFormContentType,
        preHandler: scope.csrfProtection,
      },
      async (request, reply) => {
        const token = request.params.token;
        const shown = await load(token);
        const refused = options.refuse?.(shown);
        if (refused !== undefined) throw refused;
        const form = await readFormBody(request, options.fileBytes ?? 0);
        const answered = await handle({ token, shown, form, request, reply });
        return answered ?? reply.status(303).header("location", `/r/${token}`).send();
      },
    );

  app.get("/r/:token", { schema: { params: Params, hide: true } }, async (request, reply) => {
    return page(reply, 200, request.params.token, await load(request.params.token));
  });

  // How the reporter is credited (src/web/views/reporter-credit.tsx): changeable until the credit
  // is published (409 after, with the reason); a bad name or link shows beside its field (400).
  reporterForm(
    "credit",
    async ({ token, shown, form, reply }) => {
      const refused = await postCreditChange(ctx, token, shown.caseView, shown.program, form);
      return refused === null
        ? undefined
        : page(reply, refused.status, token, shown, { credit: refused.credit });
    },
    {
      refuse: ({ program }) =>
        program.policy.recognition.credit === undefined
          ? new HttpError(409, "no_credit", "This program's policy promises no public credit.")
          : undefined,
    },
  );

  app.get("/r/:token/receipt", { schema: { params: Params, hide: true } }, async (request, reply) => {
    const { caseView, program } = await load(request.params.token);
    const caseUrl = `${ctx.config.publicUrl}/r/${request.params.token}`;
    return html(
      reply,
      200,
      renderPage(
        ReceiptPage({
          program,
          caseUrl,
          reference: caseView.reference,
          acknowledgeBy: caseView.acknowledgeBy,
        }),
      ),
    );
  });

  reporterForm(
    "messages",
    async ({ token, shown, form, request, reply }) => {
      const text = (form.fields.message ?? "").trim();
      const problem =
        text === "" && form.files.length === 0
          ? "Write a message or attach a file."
          : text.length > MAX_MESSAGE
            ? `A message can have at most ${MAX_MESSAGE} characters.`
            : undefined;
      const again = (status: number, error: string) =>
        page(reply, status, token, shown, { error, draft: form.fields.message ?? "" });
      if (problem !== undefined) return again(400, problem);
      // Counted before the message is stored, in one locked step (src/web/abuse/follow-up-limiter.ts).
      const bytes = Buffer.byteLength(text) + form.files.reduce((sum, file) => sum + file.data.length, 0);
      const allowed = await followUps.take({ caseId: shown.caseView.id, ip: request.ip, bytes });
      if (!allowed.ok) {
        reply.header("retry-after", String(allowed.retryAfterSeconds));
        const filesLost =
          form.files.length > 0 ? " Browsers cannot keep attached files: please attach them again." : "";
        return again(429, `${followUpRefusalText(allowed)}${filesLost}`);
      }
      await addReporterMessage(ctx, shown.caseView.id, text, form.files, ctx.clock());
      return undefined;
    },
    { fileBytes: ctx.config.limits.attachmentsTotalBytes },
  );

  reporterForm("agreement", async ({ token, shown, form, reply }) => {
    const agree = form.fields.agree;
    const comment = (form.fields.comment ?? "").trim();
    const again = (status: number, agreementError: string) =>
      page(reply, status, token, shown, {
        agreementError,
        agreementDraft: { ...(agree === undefined ? {} : { agree }), comment },
      });
    if (agree !== "yes" && agree !== "no") return again(400, "Choose yes or no.");
    if (comment.length > MAX_AGREEMENT_COMMENT)
      return again(400, `A comment can have at most ${MAX_AGREEMENT_COMMENT} characters.`);
    try {
      await respondToAgreement(ctx, token, agree === "yes", comment, ctx.clock());
    } catch (error) {
      if (error instanceof AgreementNotPendingError)
        return again(409, "The team is not waiting for an answer on this case any more.");
      throw error;
    }
    return undefined;
  });

  // The reporter's warning before they publish (Kulupu): "I intend to publish on DATE" with a
  // message, a changed date, or its withdrawal (src/commands/reporter-warning.ts). 409 where the
  // program takes none, or the case is closed; a bad date or message shows beside its field (400).
  reporterForm(
    "publication-intent",
    async ({ token, shown, form, reply }) => {
      const { caseView, program } = shown;
      const action = form.fields.action === "withdraw" ? "withdraw" : "declare";
      const draft = { publishOn: form.fields["publish-on"] ?? "", message: form.fields.message ?? "" };
      const again = async (status: number, field: "publish-on" | "message" | "form", message: string) =>
        page(reply, status, token, shown, {
          warning: await warningOf(caseView, program, {
            error: { field, message },
            ...(action === "declare" ? { draft } : {}),
          }),
        });
      try {
        await statePublicationIntent(
          ctx,
          program.policy,
          token,
          action === "withdraw" ? { action } : { action, ...draft },
          ctx.clock(),
        );
      } catch (error) {
        if (error instanceof InvalidCaseCommandError)
          return again(400, error.field === "message" ? "message" : "publish-on", error.message);
        if (error instanceof PublicationIntentRefused) return again(409, "form", error.message);
        throw error;
      }
      return undefined;
    },
    {
      refuse: ({ program }) =>
        warningRule(program.policy) === null
          ? new HttpError(409, "no_publication_warning", "This program does not take a publication warning.")
          : undefined,
    },
  );

  // The reporter declines an approved reward, with an optional message (src/commands/rewards.ts):
  // 409 where the policy offers none or there is no approved reward; a message too long is 400.
  reporterForm("reward/decline", async ({ token, shown, form, reply }) => {
    const { caseView, program } = shown;
    const draft = form.fields.message ?? "";
    const again = async (status: number, error: string) => {
      const view = await rewardOf(caseView, program);
      return view === undefined
        ? page(reply, status, token, shown, { error })
        : page(reply, status, token, shown, { reward: { ...view, error, draft } });
    };
    try {
      await declineReward(ctx, program.policy, token, draft, ctx.clock());
    } catch (error) {
      if (error instanceof InvalidCaseCommandError) return again(400, error.message);
      if (error instanceof RewardRefused) return again(409, error.message);
      throw error;
    }
    return undefined;
  });

  // The reporter's feedback while a phase that invites them runs (Kitsu's postmortem): counted
  // against the same limits as their messages, refused (409) before the phase and after it.
  reporterForm("feedback", async ({ token, shown, form, request, reply }) => {
    const { caseView, program } = shown;
    const draft = form.fields.feedback ?? "";
    const text = draft.trim();
    const again = async (status: number, error: string) =>
      page(reply, status, token, shown, {
        feedback: (await feedbackOf(caseView, program, { error, draft })) ?? {
          open: false,
          given: [],
          error,
        },
      });
    if (text === "") return again(400, "Write your feedback.");
    if (text.length > MAX_FEEDBACK)
      return again(400, `Feedback can have at most ${MAX_FEEDBACK} characters.`);
    // Asked before the limiter, so a refused attempt costs no allowance; the command asks again.
    const invitation = await readFeedbackInvitation(ctx, program.policy, caseView.id);
    if (!invitation.decision.ok) return again(409, invitation.decision.message);
    const allowed = await followUps.take({
      caseId: caseView.id,
      ip: request.ip,
      bytes: Buffer.byteLength(text),
    });
    if (!allowed.ok) {
      reply.header("retry-after", String(allowed.retryAfterSeconds));
      return again(429, followUpRefusalText(allowed));
    }
    try {
      await giveReporterFeedback(ctx, program.policy, caseView.id, text, ctx.clock());
    } catch (error) {
      // The phase ended between the question and the write.
      if (error instanceof IncidentPhaseRefused) return again(409, error.message);
      throw error;
    }
    return undefined;
  });

  app.get(
    "/r/:token/attachments/:id",
    { schema: { params: AttachmentParams, hide: true } },
    async (request, reply) => {
      const { caseView } = await load(request.params.token);
      const attachment = await getAttachment(ctx.store, ctx.keyring, caseView.id, request.params.id);
      if (attachment === undefined) throw notFound("Attachment");
      return sendAttachment(reply, attachment);
    },
  );
}
