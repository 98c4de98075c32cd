import type { Policy } from "../policy/schema.js";
import type { NewAttachment } from "../store/attachments.js";
import { sanitizeFilename } from "../store/sanitize.js";
import type { FieldError } from "./report-schema.js";

type TemplateField = Policy["reportTemplate"]["fields"][number];

/** A file a reporter sent, and the template field it answers when they said so. */
export interface OfferedFile {
  file: NewAttachment;
  /** A template field id (the form's `fields.<id>` file input, the API's attachment `field`). */
  field?: string;
}

export interface BoundFiles {
  /**
   * The report's answers with each file field answered by the name its file is stored under
   * (so the case shows "Proof of concept: poc.py"); the sender's `fields` value as it was when it
   * is not an object (the schema then says what is wrong with it).
   */
  fields: unknown;
  /** The files to store: those answering fields first, in the template's order, then the others as sent. */
  attachments: NewAttachment[];
  errors: FieldError[];
}

/** The template's fields that a file answers (`kind: file`). */
export function fileFields(policy: Policy): TemplateField[] {
  return policy.reportTemplate.fields.filter((field) => field.kind === "file");
}

/**
 * Binds the files of a report to the template's file fields: each file field takes one file and
 * no text; a file may answer only a file field of this template; a required file field needs
 * its file. The file's (sanitised) name becomes the field's answer, and the bound files go
 * first, in the template's order, so `fileAnswerAttachments` finds the very file again.
 */
export function bindFileAnswers(policy: Policy, fields: unknown, files: readonly OfferedFile[]): BoundFiles {
  const template = new Map(policy.reportTemplate.fields.map((field) => [field.id, field]));
  const errors: FieldError[] = [];
  const answers = fields === undefined ? {} : isRecord(fields) ? { ...fields } : undefined;
  const refusedText = new Set<string>();
  for (const field of fileFields(policy)) {
    const text = answers?.[field.id];
    if (typeof text !== "string") continue;
    if (text.trim() !== "") {
      refusedText.add(field.id);
      errors.push({
        field: `fields.${field.id}`,
        message: `${field.label} takes a file, not text: attach it (in the API, an attachment with "field": "${field.id}")`,
      });
    }
    delete answers?.[field.id];
  }

  const bound = new Map<string, NewAttachment>();
  const others: NewAttachment[] = [];
  for (const { file, field: id } of files) {
    if (id === undefined) {
      others.push(file);
      continue;
    }
    const field = template.get(id);
    const name = `fields.${id}`;
    if (field === undefined) {
      errors.push({ field: name, message: "this program's form has no such field" });
    } else if (field.kind !== "file") {
      errors.push({ field: name, message: `${field.label} takes text, not a file` });
    } else if (bound.has(id)) {
      errors.push({
        field: name,
        message: `${field.label} takes one file: send any others as attachments of their own`,
      });
    } else {
      bound.set(id, file);
    }
  }

  const attachments: NewAttachment[] = [];
  for (const field of fileFields(policy)) {
    const file = bound.get(field.id);
    if (file !== undefined) {
      attachments.push(file);
      if (answers !== undefined) answers[field.id] = sanitizeFilename(file.filename);
    } else if (field.required && !refusedText.has(field.id)) {
      errors.push({ field: `fields.${field.id}`, message: `${field.label} is required: attach a file` });
    }
  }
  return { fields: answers ?? fields, attachments: [...attachments, ...others], errors };
}

/**
 * Which of a case's attachments answers each file field of its report: the first file from the
 * reporter, in upload order, whose name is the field's answer (bindFileAnswers stored the bound
 * files first, so a later file of the same name never takes its place). A field whose answer
 * names no such file (an older report that answered it with text) is left out.
 */
export function fileAnswerAttachments<A extends { id: string; filename: string; uploadedBy: string }>(
  policy: Policy,
  answers: Readonly<Record<string, string>>,
  attachments: readonly A[],
): Map<string, A> {
  const taken = new Set<string>();
  const found = new Map<string, A>();
  for (const field of fileFields(policy)) {
    const answer = answers[field.id];
    const file = attachments.find(
      (candidate) =>
        candidate.uploadedBy === "reporter" && !taken.has(candidate.id) && candidate.filename === answer,
    );
    if (file === undefined) continue;
    taken.add(file.id);
    found.set(field.id, file);
  }
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
