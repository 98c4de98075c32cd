import type { FastifyInstance } from "fastify";
import { recordAgreement } from "../../../commands/agreement.js";
import {
  approveAnnouncement,
  publishAnnouncement,
  saveAnnouncementDraft,
} from "../../../commands/announcements.js";
import { assign, follow, unfollow } from "../../../commands/assignment.js";
import { changeBackgroundLinks } from "../../../commands/background-links.js";
import { acknowledge, addInternalNote, replyToReporter } from "../../../commands/conversation.js";
import {
  markPrivacyIncidentFor,
  recordAuthorityNotifiedFor,
  recordFixReleaseFor,
} from "../../../commands/disclosure-facts.js";
import { recordIncidentPhase } from "../../../commands/incident-phases.js";
import { answerPhaseQuestion, markChecklistItem } from "../../../commands/incident-work.js";
import { moveCase } from "../../../commands/lifecycle.js";
import {
  addActionItemFor,
  changeActionItemFor,
  completeActionItem,
  recordRootCause,
} from "../../../commands/postmortem.js";
import { triageCase } from "../../../commands/triage-input.js";
import { markUserDataAffectedFor, recordUsersNotifiedFor } from "../../../commands/user-notification.js";
import { checkAgreementNote } from "../../../domain/incident/agreement.js";
import { isPhaseAction } from "../../../domain/incident/phases.js";
import { assignedGroup } from "../../../domain/notifications/recipients.js";
import { readStaffCase } from "../../case-loader.js";
import type { WebContext } from "../../context.js";
import { notFound } from "../../errors.js";
import { readTriageForm } from "../../triage-form.js";
import { type CaseFormSpec, FormRefusal, staffCaseForm, staffCaseFormUrls } from "./case-form.js";
import { affectedCaseForms } from "./case-form-affected.js";
import { confidentialCaseForm } from "./case-form-confidential.js";
import { rewardCaseForms } from "./case-form-reward.js";
import { assignableOf } from "./case-view.js";
import { creditCaseForms } from "./credit-forms.js";
import { disclosurePlanFormRoutes } from "./disclosure-plan-forms.js";

/**
 * The case page's actions (responders and administrators), each a form that posts back to the
 * case: src/web/routes/staff/case-form.ts does the checks and the answer, these say what the
 * form means.
 */
export function caseFormRoutes(scope: FastifyInstance, ctx: WebContext) {
  const post = (action: string, spec: CaseFormSpec) => staffCaseForm(scope, ctx, action, spec);
  // A refused form leaves its URL in the address bar: opened again, it leads back to the case.
  staffCaseFormUrls(scope, ctx);
  // The disclosure plan's tasks and dates (src/web/routes/staff/disclosure-plan-forms.ts).
  disclosurePlanFormRoutes(scope, ctx);
  // The affected-release matrix, the CVE id and aliases, the related cases (./case-form-affected.ts).
  affectedCaseForms(post, ctx);
  // The reward: propose, approve, record paid, withdraw (./case-form-reward.ts).
  rewardCaseForms(post, ctx);
  // The credit places the team marks done by hand (./credit-forms.ts).
  creditCaseForms(post, ctx);
  // Confidential: only the members named on the case see it (./case-form-confidential.ts).
  confidentialCaseForm(post, ctx);

  post("acknowledge", {
    body: "none",
    run: async ({ id, actor }) => {
      const { acknowledged } = await acknowledge(ctx, id, actor, ctx.clock());
      return acknowledged ? "acknowledged" : "unchanged";
    },
  });

  post("reply", {
    body: "files",
    textField: "reply",
    run: async ({ id, actor, form }) => {
      const text = form.fields.reply ?? "";
      const detailedResponse = form.fields["detailed-response"] === "yes";
      const now = ctx.clock();
      await replyToReporter(ctx, id, actor, text, form.files, now, { detailedResponse });
      // Never "sent": the mail to the reporter is only queued, and without a relay it stays there.
      return ctx.config.smtpUrl === undefined ? "replied-unsent" : "replied";
    },
  });

  post("note", {
    body: "files",
    textField: "note",
    run: async ({ id, actor, form }) => {
      const text = form.fields.note ?? "";
      await addInternalNote(ctx, id, actor, text, ctx.clock(), form.files);
      return "noted";
    },
  });

  post("assign", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      const wanted = (form.fields.assignee ?? "").trim();
      const assignable = await assignableOf(ctx, program.policy.program.slug);
      // A team group of the policy (`group:<id>`, as the select offers it) or a member.
      const known =
        wanted === "" ||
        assignedGroup(program.policy, wanted) !== undefined ||
        assignable.some((member) => member.id === wanted);
      if (!known)
        return new FormRefusal(
          "assignee",
          "Choose a member of the team who may work on this program's cases, or one of its teams.",
        );
      const assignee = wanted === "" ? null : wanted;
      const { changed } = await assign(ctx, id, actor, assignee, ctx.clock());
      return changed ? "assigned" : "unchanged";
    },
  });

  for (const [action, command, notice] of [
    ["follow", follow, "followed"],
    ["unfollow", unfollow, "unfollowed"],
  ] as const) {
    post(action, {
      body: "none",
      run: async ({ id, staff, program }) => {
        const { changed } = await command(ctx, id, staff.userId, ctx.clock(), program.policy);
        return changed ? notice : "unchanged";
      },
    });
  }

  post("triage", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      const read = readTriageForm(form.fields, form.lists);
      if (!read.ok) return new FormRefusal(read.field, read.message);
      const current = await readStaffCase(ctx, id);
      const { changed } = await triageCase(ctx, program, current, actor, read.input);
      return changed ? "triaged" : "unchanged";
    },
  });

  post("transition", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      const other = (form.fields["duplicate-of-other"] ?? "").trim();
      await moveCase(ctx, program, id, actor, {
        to: form.fields.to ?? "",
        outcome: form.fields.outcome,
        duplicateOf: other !== "" ? other : form.fields["duplicate-of"],
      });
      return "moved";
    },
  });

  // The affected party's agreement, given another way (src/commands/agreement.ts): a note is required.
  post("agreement", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      const checked = checkAgreementNote(form.fields["agreement-note"] ?? "");
      if (!checked.ok) return new FormRefusal("agreement", checked.message);
      await recordAgreement(ctx, program.policy, id, actor, checked.note, ctx.clock());
      return "agreement";
    },
  });

  post("incident-phase", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      const phaseId = (form.fields.phase ?? "").trim();
      const action = (form.fields.action ?? "").trim();
      if (!isPhaseAction(action))
        return new FormRefusal("incident-phase", "Choose to start, complete or skip the phase.");
      const step = { phaseId, action };
      await recordIncidentPhase(ctx, id, actor, step, program.policy.incident.phases, ctx.clock());
      return "phase";
    },
  });

  post("checklist", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      const request = {
        list: (form.fields.list ?? "").trim(),
        key: (form.fields.key ?? "").trim(),
        done: form.fields.done === "yes",
        note: form.fields.note ?? "",
      };
      const { changed } = await markChecklistItem(ctx, program.policy, id, actor, request, ctx.clock());
      return changed ? "checklist" : "unchanged";
    },
  });

  post("answer", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      // The question's position, as the page sends it: digits only ("1e3" is not 1).
      const position = (form.fields.question ?? "").trim();
      if (!/^\d{1,3}$/.test(position))
        return new FormRefusal("answer", "Answer one of the phase's questions.");
      const question = Number(position);
      const request = {
        phaseId: (form.fields.phase ?? "").trim(),
        question,
        answer: form.fields.answer ?? "",
      };
      const { raisedPriority } = await answerPhaseQuestion(
        ctx,
        program.policy,
        id,
        actor,
        request,
        ctx.clock(),
      );
      return raisedPriority === null ? "answered" : "answered-priority";
    },
  });

  post("background-links", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      const action = form.fields.action;
      if (action !== "add" && action !== "remove")
        return new FormRefusal("background-link", "Choose to add or to remove a link.");
      const request = { action, url: form.fields.url ?? "" } as const;
      const { changed } = await changeBackgroundLinks(ctx, program.policy, id, actor, request, ctx.clock());
      return changed ? "background-links" : "unchanged";
    },
  });

  // The postmortem (src/commands/postmortem.ts): the root cause and action items, whose owners
  // are members who may work the program's cases; and telling affected users
  // (src/commands/user-notification.ts). The commands check the fields; refusals show beside them.
  post("root-cause", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      const text = form.fields["root-cause"] ?? "";
      const { changed } = await recordRootCause(ctx, program.policy, id, actor, text, ctx.clock());
      return changed ? "postmortem" : "unchanged";
    },
  });
  post("action-items", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const team = await assignableOf(ctx, program.policy.program.slug);
      const item = {
        title: fields["action-title"] ?? "",
        kind: fields["action-kind"] ?? "",
        owner: fields["action-owner"] ?? "",
        due: fields["action-due"] ?? "",
      };
      await addActionItemFor(ctx, program, id, actor, team, item);
      return "postmortem";
    },
  });
  post("action-item-change", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const team = await assignableOf(ctx, program.policy.program.slug);
      const change = {
        id: fields["action-item"] ?? "",
        owner: fields["change-owner"] ?? "",
        due: fields["change-due"] ?? "",
      };
      const { changed } = await changeActionItemFor(ctx, program, id, actor, team, change);
      return changed ? "postmortem" : "unchanged";
    },
  });
  post("action-item-done", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const request = { id: fields["action-item"] ?? "", note: fields["done-note"] ?? "" };
      const { changed } = await completeActionItem(ctx, program.policy, id, actor, request, ctx.clock());
      return changed ? "postmortem" : "unchanged";
    },
  });
  post("user-data-affected", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const { changed } = await markUserDataAffectedFor(ctx, program, id, actor, fields["user-data-since"]);
      return changed ? "user-notification" : "unchanged";
    },
  });
  post("users-notified", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const request = { channel: fields.channel ?? "", note: fields["users-notified-note"] ?? "" };
      const { changed } = await recordUsersNotifiedFor(ctx, program, id, actor, request);
      return changed ? "user-notification" : "unchanged";
    },
  });

  // Disclosure: the fix release, a privacy incident, the authority notified. Each takes an
  // optional date and time in the program's time zone (empty: now).
  for (const [action, field, command, notice] of [
    ["fix-release", "released-at", recordFixReleaseFor, "fix-released"],
    ["privacy-incident", "privacy-since", markPrivacyIncidentFor, "privacy-incident"],
    ["authority-notified", "authority-notified-at", recordAuthorityNotifiedFor, "authority-notified"],
  ] as const) {
    post(action, {
      body: "fields",
      run: async ({ id, program, actor, form }) => {
        const { changed } = await command(ctx, program, id, actor, form.fields[field]);
        return changed ? notice : "unchanged";
      },
    });
  }

  // The public announcement (src/commands/announcements.ts): save a draft, approve a revision,
  // publish it. 404 where the policy publishes none; a refusal shows in the announcement panel.
  for (const action of ["announcement-draft", "announcement-approve", "announcement-publish"] as const) {
    post(action, {
      body: "fields",
      run: async ({ id, program, actor, form: { fields } }) => {
        if (!program.policy.disclosure.publicAnnouncement) throw notFound("Announcement");
        const revision = /^\d{1,9}$/.test(fields.revision ?? "") ? Number(fields.revision) : null;
        const draft = {
          title: fields["announcement-title"] ?? "",
          slug: fields["announcement-slug"] ?? "",
          body: fields["announcement-body"] ?? "",
        };
        const done =
          action === "announcement-draft"
            ? await saveAnnouncementDraft(ctx, program.policy, id, actor, draft, ctx.clock())
            : await (action === "announcement-approve" ? approveAnnouncement : publishAnnouncement)(
                ctx,
                program.policy,
                id,
                actor,
                revision,
                ctx.clock(),
              );
        if (!done.ok) return new FormRefusal(done.field, done.message);
        return done.changed ? "announcement" : "unchanged";
      },
    });
  }
}
