import type { FastifyRequest } from "fastify";
import type { NewAttachment } from "../store/cases.js";
import { HttpError } from "./errors.js";

export interface FormBody {
  /** The last value of each field. */
  fields: Record<string, string>;
  /** Every value of each field, in order (checkboxes sharing a name). */
  lists: Record<string, string[]>;
  files: FormFile[];
}

/** A file of a form, with the input it came from (a template's file field, or `attachments`). */
export interface FormFile extends NewAttachment {
  input: string;
}

/** Multipart forms as the preValidation hook read them, for the handler's readFormBody. */
const multipartForms = new WeakMap<FastifyRequest, FormBody>();

/** The largest single field: a template answer of 100,000 characters at 4 bytes each, and room. */
const MAX_FIELD_BYTES = 1024 * 1024;

const tooLarge = () => new HttpError(413, "too_large", "The request is too large.");

/**
 * The app's preValidation hook for multipart forms: reads the parts as they arrive and stops
 * with 413 as soon as the body goes over the route's `bodyLimit` (src/web/body-limits.ts) or a
 * file over the per-file limit, so a request never holds more than its route allows. (Reading
 * every file into memory first, as @fastify/multipart's attachFieldsToBody does, held 10 files
 * of 10 MB per request on every route, before any check.) It runs before preHandler because the
 * CSRF token is one of the form's fields; staff routes have refused anonymous requests earlier,
 * in onRequest (src/web/staff-gate.ts).
 */
export function multipartFormReader(limits: { attachmentBytes: number }) {
  return async function readMultipartForm(request: FastifyRequest): Promise<void> {
    if (!request.isMultipart()) return;
    const limit = request.routeOptions.bodyLimit;
    if (Number(request.headers["content-length"]) > limit) throw tooLarge();
    const form: FormBody = { fields: {}, lists: {}, files: [] };
    let total = 0;
    const count = (bytes: number) => {
      total += bytes;
      if (total > limit) throw tooLarge();
    };
    // busboy's own fileSize limit cuts a file short silently; one byte more lets the check below
    // see the file go over and answer.
    const parts = request.parts({
      limits: { fieldSize: Math.min(MAX_FIELD_BYTES, limit), fileSize: limits.attachmentBytes + 1 },
    });
    for await (const part of parts) {
      count(Buffer.byteLength(part.fieldname));
      if (part.type === "field") {
        if (part.valueTruncated || part.fieldnameTruncated)
          throw new HttpError(413, "too_large", "A field of the form is too long.");
        const value = typeof part.value === "string" ? part.value : String(part.value);
        count(Buffer.byteLength(value));
        putField(form, part.fieldname, value);
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limits.attachmentBytes)
          throw new HttpError(
            413,
            "too_large",
            `Each file may be at most ${formatBytes(limits.attachmentBytes)}.`,
          );
        count(chunk.length);
        chunks.push(chunk);
      }
      // An empty file input still sends a part with no name and no bytes. A part without a file
      // name (busboy takes an application/octet-stream part for a file) has none at all.
      const filename = part.filename ?? "";
      if (filename === "" && size === 0) continue;
      form.files.push({
        input: part.fieldname,
        filename,
        contentType: part.mimetype,
        data: Buffer.concat(chunks, size),
      });
    }
    multipartForms.set(request, form);
    // The fields alone are the body, where the CSRF check finds `_csrf` (csrfTokenOf).
    request.body = form.fields;
  };
}

function putField(form: FormBody, name: string, value: string): void {
  form.fields[name] = value;
  form.lists[name] = [...(form.lists[name] ?? []), value];
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

/**
 * Reads a submitted HTML form into plain fields and files: multipart forms as the
 * preValidation hook read them (within the route's body limit), URL-encoded forms as Fastify
 * parsed them (they have no files). `totalLimit` is what the route takes in files, all together:
 * 0 for forms without attachments.
 */
export async function readFormBody(request: FastifyRequest, totalLimit: number): Promise<FormBody> {
  const multipart = multipartForms.get(request);
  if (multipart !== undefined) {
    const total = multipart.files.reduce((sum, file) => sum + file.data.length, 0);
    if (total > totalLimit)
      throw new HttpError(413, "attachments_too_large", "The attachments are too large in total.");
    return multipart;
  }
  const body = request.body;
  const form: FormBody = { fields: {}, lists: {}, files: [] };
  if (body === null || typeof body !== "object") return form;
  for (const [name, raw] of Object.entries(body as Record<string, unknown>)) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value === "string") putField(form, name, value);
    }
  }
  return form;
}

/** The CSRF token of a form body (multipart or URL-encoded), or of the x-csrf-token header. */
export function csrfTokenOf(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const raw = body?._csrf;
  if (typeof raw === "string") return raw;
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
