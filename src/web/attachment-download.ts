import type { FastifyReply } from "fastify";
import type { Staff } from "../auth/staff.js";
import { getAttachment } from "../store/cases.js";
import { caseTarget } from "./case-loader.js";
import type { WebContext } from "./context.js";
import { notFound } from "./errors.js";

/** A stored file, as the store gives it back (decrypted). */
export interface StoredFile {
  filename: string;
  data: Buffer;
}

/**
 * Sends a case's file, the one way every route does (staff page, staff API, reporter page):
 * always a download, never rendered, because the stored type is the sender's claim, not a fact.
 */
export function sendAttachment(reply: FastifyReply, file: StoredFile): FastifyReply {
  return reply
    .header("cache-control", "no-store")
    .header("content-disposition", contentDisposition(file.filename))
    .header("content-security-policy", "sandbox; default-src 'none'")
    .header("x-content-type-options", "nosniff")
    .type("application/octet-stream")
    .send(file.data);
}

/**
 * A file of a case the member may read (internal notes' files included): 404 for a case outside
 * their programs, as for the case itself, and for an attachment the case does not have.
 */
export async function teamAttachment(
  ctx: Pick<WebContext, "store" | "keyring" | "programs">,
  staff: Staff,
  caseId: string,
  attachmentId: string,
): Promise<StoredFile> {
  await caseTarget(ctx, staff, caseId, "view");
  const file = await getAttachment(ctx.store, ctx.keyring, caseId, attachmentId, "team");
  if (file === undefined) throw notFound("Attachment");
  return file;
}

/** RFC 6266: an ASCII fallback name plus the exact UTF-8 name. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
