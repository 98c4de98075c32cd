import { CreditChangeRefused, changeReporterCredit } from "../../commands/credit.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { ReporterCase } from "../../store/cases.js";
import { readCreditStatus } from "../../store/credits.js";
import { InvalidCaseCommandError } from "../../store/staff-errors.js";
import type { WebContext } from "../context.js";
import type { FormBody } from "../form-body.js";
import type { CreditView } from "../views/reporter-credit.js";

/**
 * The credit part of the reporter's page (src/web/views/reporter-credit.tsx) and its form's
 * command; the routes themselves are in reporter.ts, rendered by its shared `page`.
 */

/** The credit part as it stands; undefined when the policy promises no credit. */
export async function creditViewOf(
  ctx: Pick<WebContext, "store" | "keyring" | "clock">,
  caseView: ReporterCase,
  program: LoadedPolicy,
  extra: Pick<CreditView, "error" | "draft"> = {},
): Promise<CreditView | undefined> {
  const rule = program.policy.recognition.credit;
  if (rule === undefined) return undefined;
  const status = await readCreditStatus(ctx.store.db, ctx.keyring, program.policy, caseView.id, ctx.clock());
  if (status === undefined) return undefined;
  return {
    choice: status.choice,
    decision: status.decision,
    published: status.publication.published,
    places: rule.places,
    ...extra,
  };
}

/**
 * Runs the form's change: null when saved (or unchanged), else the status and the view with the
 * error beside its field and what was sent.
 */
export async function postCreditChange(
  ctx: Pick<WebContext, "store" | "keyring" | "clock">,
  token: string,
  caseView: ReporterCase,
  program: LoadedPolicy,
  form: FormBody,
): Promise<{ status: number; credit: CreditView | undefined } | null> {
  const draft = {
    mode: form.fields.mode ?? "",
    name: form.fields.name ?? "",
    link: form.fields.link ?? "",
  };
  const again = async (
    status: number,
    field: NonNullable<CreditView["error"]>["field"],
    message: string,
  ) => ({
    status,
    credit: await creditViewOf(ctx, caseView, program, {
      error: { field, message },
      ...(field === "form" ? {} : { draft }),
    }),
  });
  try {
    await changeReporterCredit(ctx, program.policy, token, draft, ctx.clock());
    return null;
  } catch (error) {
    if (error instanceof CreditChangeRefused) return again(409, "form", error.message);
    if (error instanceof InvalidCaseCommandError)
      return again(
        400,
        error.field === "name" || error.field === "link" ? error.field : "mode",
        error.message,
      );
    throw error;
  }
}
