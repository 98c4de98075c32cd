import { addCaseRelease, setAffectedCell } from "../../../commands/affected.js";
import { changeIdentifiers } from "../../../commands/case-identifiers.js";
import { markChecklistItem } from "../../../commands/incident-work.js";
import { relatedCasesItem } from "../../../commands/related-cases.js";
import { InvalidCaseCommandError } from "../../../store/staff-errors.js";
import type { WebContext } from "../../context.js";
import { affectedField } from "../../views/case-page/affected.js";
import { type CaseFormSpec, FormRefusal } from "./case-form.js";

/**
 * The case page's forms of the affected-release matrix (src/web/views/case-page/affected.tsx): set
 * a cell, add a release, set the CVE id and aliases, link the related cases of a phase's
 * related-cases task. The matrix's refusals show beside its forms (`affected-<field>`); the
 * identifiers' and the related cases' under their own fields (`cveId`, `aliases`, `related`), a
 * CVE id another case has with 409.
 */

/** Ids typed in one box, separated by spaces, commas or new lines. */
const words = (text: string | undefined): string[] =>
  (text ?? "").split(/[\s,]+/).filter((word) => word !== "");

/** The matrix's refusals of a field, beside the matrix's forms. */
async function matrixRefusal<T>(run: () => Promise<T>): Promise<T | FormRefusal> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidCaseCommandError)
      return new FormRefusal(affectedField(error.field), error.message);
    throw error;
  }
}

export function affectedCaseForms(post: (action: string, spec: CaseFormSpec) => void, ctx: WebContext): void {
  post("affected", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const request = {
        asset: fields.asset ?? "",
        version: fields.version ?? "",
        status: fields.status ?? "",
        fixedIn: fields["fixed-in"] ?? "",
        reason: fields.reason ?? "",
      };
      const done = await matrixRefusal(() =>
        setAffectedCell(ctx, program.policy, id, actor, request, ctx.clock()),
      );
      if (done instanceof FormRefusal) return done;
      return done.changed ? "affected" : "unchanged";
    },
  });

  post("releases", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const request = {
        asset: fields.asset ?? "",
        version: fields.version ?? "",
        inProduction: fields["in-production"] === "yes",
      };
      const done = await matrixRefusal(() =>
        addCaseRelease(ctx, program.policy, id, actor, request, ctx.clock()),
      );
      if (done instanceof FormRefusal) return done;
      return done.changed ? "release-added" : "unchanged";
    },
  });

  post("identifiers", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields } }) => {
      const request = { cveId: fields["cve-id"] ?? "", aliases: words(fields.aliases) };
      const { changed } = await changeIdentifiers(ctx, program.policy, id, actor, request, ctx.clock());
      return changed ? "identifiers" : "unchanged";
    },
  });

  post("related-cases", {
    body: "fields",
    run: async ({ id, program, actor, form: { fields, lists } }) => {
      const phase = program.policy.incident.phases.find((candidate) => candidate.id === fields.phase);
      const item = phase === undefined ? undefined : relatedCasesItem(phase);
      if (phase === undefined || item === undefined)
        return new FormRefusal("related", "This program's phases have no such related-cases task.");
      const request = {
        list: `phase:${phase.id}`,
        key: item.key,
        done: fields.done === "yes",
        note: fields.note ?? "",
        related: [...(lists.related ?? []), ...words(fields["related-other"])],
      };
      const { changed } = await markChecklistItem(ctx, program.policy, id, actor, request, ctx.clock());
      return changed ? "related-cases" : "unchanged";
    },
  });
}
