import type { FastifyReply } from "fastify";
import { renderPage } from "../../views/layout.js";

/** A staff page: never cached (it shows confidential reports). */
export const sendPage = (reply: FastifyReply, status: number, page: preact.VNode) =>
  reply
    .status(status)
    .header("cache-control", "no-store")
    .type("text/html; charset=utf-8")
    .send(renderPage(page));
