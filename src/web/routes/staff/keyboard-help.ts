import type { FastifyInstance } from "fastify";
import { requireStaff } from "../../staff-session.js";
import { KeyboardHelpPage } from "../../views/keyboard-help-page.js";
import { sendPage } from "./send-page.js";

/**
 * GET /help/keys: the keyboard shortcuts of the team's pages (/assets/keys.js opens it on `?`).
 * For any signed-in member: it lists keys, nothing of any program.
 */
export function keyboardHelpRoutes(scope: FastifyInstance) {
  scope.get("/help/keys", { schema: { hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    return sendPage(reply, 200, KeyboardHelpPage({ csrfToken: reply.generateCsrf(), email: staff.email }));
  });
}
