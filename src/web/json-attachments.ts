import type { Config } from "../config.js";
import type { NewAttachment } from "../store/cases.js";
import { HttpError } from "./errors.js";

/** An attachment in a JSON body (ApiAttachmentSchema: the schema has checked the base64). */
export interface JsonAttachment {
  filename: string;
  contentType: string;
  dataBase64: string;
}

/**
 * Decodes the attachments of a JSON request (the intake API, the staff API's replies and notes)
 * and holds them to the upload limits: each file, and all of them together. The route's body
 * limit only bounds the base64 text, which is a third larger than the files. 413 names the first
 * file that goes over.
 */
export function readJsonAttachments(
  attachments: readonly JsonAttachment[],
  limits: Pick<Config["limits"], "attachmentBytes" | "attachmentsTotalBytes">,
): NewAttachment[] {
  const files: NewAttachment[] = [];
  let total = 0;
  for (const attachment of attachments) {
    const data = Buffer.from(attachment.dataBase64, "base64");
    total += data.length;
    if (data.length > limits.attachmentBytes || total > limits.attachmentsTotalBytes)
      throw new HttpError(413, "too_large", `Attachment "${attachment.filename}" goes over the size limit.`);
    files.push({ filename: attachment.filename, contentType: attachment.contentType, data });
  }
  return files;
}
