import type { Multipart } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import type { NewAttachment } from "../store/cases.js";
import { HttpError } from "./errors.js";

export interface FormBody {
  /** The last value of each field. */
  fields: Record<string, string>;
  /** Every value of each field, in order (checkboxes sharing a name). */
  lists: Record<string, string[]>;
  files: NewAttachment[];
}

/**
 * Reads a submitted HTML form into plain fields and files. Multipart bodies arrive already
 * buffered by @fastify/multipart (`attachFieldsToBody`), which enforces the per-file limit;
 * the total limit across files is enforced here. URL-encoded bodies have no files.
 */
export async function readFormBody(request: FastifyRequest, totalLimit: number): Promise<FormBody> {
  const body = request.body;
  if (body === null || typeof body !== "object") return { fields: {}, lists: {}, files: [] };
  const fields: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  const put = (name: string, value: string) => {
    fields[name] = value;
    lists[name] = [...(lists[name] ?? []), value];
  };
  const files: NewAttachment[] = [];
  let total = 0;
  for (const [name, raw] of Object.entries(body as Record<string, unknown>)) {
    for (const part of Array.isArray(raw) ? raw : [raw]) {
      if (typeof part === "string") {
        put(name, part);
      } else if (isMultipart(part) && part.type === "field") {
        put(name, String(part.value));
      } else if (isMultipart(part) && part.type === "file") {
        const data = await part.toBuffer();
        // An empty file input still sends a part with no name and no bytes.
        if (part.filename === "" && data.length === 0) continue;
        total += data.length;
        if (total > totalLimit)
          throw new HttpError(413, "attachments_too_large", "The attachments are too large in total.");
        files.push({ filename: part.filename, contentType: part.mimetype, data });
      }
    }
  }
  return { fields, lists, files };
}

function isMultipart(value: unknown): value is Multipart {
  return value !== null && typeof value === "object" && "type" in value && "fieldname" in value;
}

/** The CSRF token of a form body, multipart or URL-encoded. */
export function csrfTokenOf(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const raw = body?._csrf;
  if (typeof raw === "string") return raw;
  if (isMultipart(raw) && raw.type === "field") return String(raw.value);
  const header = request.headers["x-csrf-token"];
  return typeof header === "string" ? header : undefined;
}

/** Forms are posted as multipart (with files) or URL-encoded; anything else is a 415. */
export async function requireFormContentType(request: FastifyRequest): Promise<void> {
  if (
    !/^(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(
      request.headers["content-type"] ?? "",
    )
  ) {
    throw new HttpError(415, "unsupported_media_type", "Send the form as multipart/form-data.");
  }
}
