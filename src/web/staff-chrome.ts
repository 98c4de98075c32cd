import type { Staff } from "../auth/staff.js";
import type { WebContext } from "./context.js";
import { canAdmin } from "./permissions.js";
import type { StaffChrome } from "./views/staff-common.js";

/** What an administrator is told on every staff page while notifications cannot go out. */
export const MAIL_NOT_CONFIGURED =
  "Mail is not configured (EMBARGO_SMTP_URL is not set): no notification reaches a reporter or the team. They wait in the queue and show as failing under Deliveries.";

/**
 * What every staff page shows around its content for `staff`: the administrators' links, and the
 * banners that concern them. Registered on the app (`app.staffChrome`), so each page sender asks
 * it without every route passing the configuration along.
 */
export function staffChromeOf(
  ctx: Pick<WebContext, "config" | "programs">,
  staff: Staff | undefined,
): StaffChrome {
  const admin =
    staff !== undefined && ctx.programs.all().some((program) => canAdmin(staff, program.policy.program.slug));
  return {
    admin,
    banners: admin && ctx.config.smtpUrl === undefined ? [MAIL_NOT_CONFIGURED] : [],
  };
}

declare module "fastify" {
  interface FastifyInstance {
    /** The staff pages' links and banners for the member making the request (src/web/staff-chrome.ts). */
    staffChrome: (staff: Staff | undefined) => StaffChrome;
  }
}
