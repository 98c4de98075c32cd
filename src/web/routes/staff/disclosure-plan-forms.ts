import type { FastifyInstance } from "fastify";
import { changeDisclosureTask, moveDisclosureDateFor } from "../../../commands/disclosure-plan.js";
import { InvalidCaseCommandError } from "../../../store/staff-errors.js";
import type { WebContext } from "../../context.js";
import { FormRefusal, staffCaseForm } from "./case-form.js";
import { assignableOf } from "./case-view.js";

/**
 * The case page's forms for the disclosure plan (src/commands/disclosure-plan.ts): a task's done
 * box and owner, and moving a date with a reason. A refusal shows beside the form's field.
 */
export function disclosurePlanFormRoutes(scope: FastifyInstance, ctx: WebContext) {
  staffCaseForm(scope, ctx, "disclosure-task", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const phaseId = (fields.phase ?? "").trim();
      const position = (fields.task ?? "").trim();
      const field = `task-${phaseId}-${position}`;
      if (!/^\d{1,3}$/.test(position))
        return new FormRefusal("disclosure-heading", "Choose one of the tasks.");
      const team = await assignableOf(ctx, program.policy.program.slug);
      try {
        const { changed } = await changeDisclosureTask(ctx, program.policy, id, actor, team, {
          phaseId,
          n: Number(position),
          ...(fields["done-shown"] === "yes" ? { done: fields.done === "yes" } : {}),
          owner: fields.owner ?? "",
        });
        return changed ? "disclosure-plan" : "unchanged";
      } catch (error) {
        if (error instanceof InvalidCaseCommandError) return new FormRefusal(field, sentence(error.message));
        throw error;
      }
    },
  });

  staffCaseForm(scope, ctx, "disclosure-move", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      try {
        await moveDisclosureDateFor(ctx, program, id, actor, {
          what: fields.what ?? "",
          to: fields.to ?? "",
          reason: fields.reason ?? "",
        });
        return "disclosure-moved";
      } catch (error) {
        if (error instanceof InvalidCaseCommandError)
          return new FormRefusal(`move-${error.field}`, sentence(error.message));
        throw error;
      }
    },
  });
}

/** Command messages are lower-case fragments; the page shows sentences. */
function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
