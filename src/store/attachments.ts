import { z } from "zod";
import { decryptText, encryptBytes, encryptText, type KeySource } from "../crypto/envelope.js";
import { aad } from "./aad.js";
import { randomId } from "./ids.js";
import { sanitizeContentType, sanitizeFilename } from "./sanitize.js";
import type { AttachmentsTable } from "./schema.js";

export interface NewAttachment {
  filename: string;
  contentType: string;
  data: Buffer;
}

export type Uploader = "reporter" | "team";

/** An attachment encrypted and ready to insert, once the event that adds it has its seq. */
export interface SealedAttachment {
  id: string;
  row(eventSeq: number): AttachmentsTable;
}

const metaSchema = z.object({ filename: z.string(), contentType: z.string() });
export type AttachmentMeta = z.infer<typeof metaSchema>;

/**
 * Sanitises the name and type and encrypts name, type and bytes. Done before the transaction
 * opens: encrypting large files inside it would hold SQLite's write lock for longer.
 */
export function sealAttachment(
  keyring: KeySource,
  caseId: string,
  attachment: NewAttachment,
  uploadedBy: Uploader,
  at: Date,
): SealedAttachment {
  const id = randomId();
  const meta: AttachmentMeta = {
    filename: sanitizeFilename(attachment.filename),
    contentType: sanitizeContentType(attachment.contentType),
  };
  const metaCt = encryptText(keyring, JSON.stringify(meta), aad.attachmentMeta(caseId, id));
  const data = encryptBytes(keyring, attachment.data, aad.attachmentData(caseId, id));
  return {
    id,
    row: (eventSeq) => ({
      id,
      case_id: caseId,
      event_seq: eventSeq,
      meta_ct: metaCt,
      size: attachment.data.length,
      data,
      created_at: at.toISOString(),
      uploaded_by: uploadedBy,
    }),
  };
}

export function openAttachmentMeta(
  keyring: KeySource,
  caseId: string,
  id: string,
  metaCt: string,
): AttachmentMeta {
  return metaSchema.parse(JSON.parse(decryptText(keyring, metaCt, aad.attachmentMeta(caseId, id))));
}
