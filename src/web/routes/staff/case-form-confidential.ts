import { setConfidentiality } from "../../../commands/confidentiality.js";
import { InvalidCaseCommandError } from "../../../store/staff-errors.js";
import type { WebContext } from "../../context.js";
import { type CaseFormSpec, FormRefusal } from "./case-form.js";

/**
 * The case page's confidentiality fold: mark the case confidential and tick the members who may
 * see it (the sender is always one), or lift it. Only a member who can see and work the case gets
 * here (src/web/case-loader.ts): once it is confidential, a named one.
 */
const USER_ID = /^[a-z2-7]{16}$/;

export function confidentialCaseForm(
  post: (action: string, spec: CaseFormSpec) => void,
  ctx: WebContext,
): void {
  post("confidential", {
    body: "fields",
    run: async ({ id, actor, form }) => {
      const members = form.lists.members ?? [];
      if (members.length > 100 || members.some((member) => !USER_ID.test(member)))
        return new FormRefusal("members", "Tick members of the team from the list.");
      try {
        const { changed } = await setConfidentiality(
          ctx,
          id,
          actor,
          { confidential: form.fields.confidential === "yes", members },
          ctx.clock(),
        );
        return changed ? "confidentiality" : "unchanged";
      } catch (error) {
        if (error instanceof InvalidCaseCommandError) return new FormRefusal("members", error.message);
        throw error;
      }
    },
  });
}
