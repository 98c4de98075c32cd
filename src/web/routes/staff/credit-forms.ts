import { markCreditGiven } from "../../../commands/credit.js";
import { InvalidCaseCommandError } from "../../../store/staff-errors.js";
import type { WebContext } from "../../context.js";
import { creditNoteField } from "../../views/case-page/credit.js";
import { type CaseFormSpec, FormRefusal } from "./case-form.js";

/**
 * The case page's credit form (src/web/views/case-page/credit.tsx): a team member marks the
 * reporter credited in a place Embargo cannot write to (HackerOne, an external list), with a note.
 */
export function creditCaseForms(post: (action: string, spec: CaseFormSpec) => void, ctx: WebContext) {
  post("credit-given", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const places = program.policy.recognition.credit?.places ?? [];
      const index = places.findIndex((place) => place.name === fields.place);
      try {
        await markCreditGiven(
          ctx,
          program.policy,
          id,
          actor,
          { place: fields.place ?? "", note: fields.note ?? "" },
          ctx.clock(),
        );
        return "credit-given";
      } catch (error) {
        if (error instanceof InvalidCaseCommandError) {
          const message = `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`;
          return new FormRefusal(index < 0 ? "credit-panel" : creditNoteField(index), message);
        }
        throw error;
      }
    },
  });
}
