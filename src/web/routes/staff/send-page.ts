import type { FastifyReply } from "fastify";
import { renderPage } from "../../views/layout.js";
import { withStaffChrome } from "../../views/staff-common.js";

/**
 * A staff page: never cached (it shows confidential reports), with the member's links and
 * banners (src/web/staff-chrome.ts). Pages without StaffLayout (sign-in) ignore them.
 */
export const sendPage = (reply: FastifyReply, status: number, page: preact.VNode) =>
  reply
    .status(status)
    .header("cache-control", "no-store")
    .type("text/html; charset=utf-8")
    .send(renderPage(withStaffChrome(page, reply.server.staffChrome(reply.request.staff))));
