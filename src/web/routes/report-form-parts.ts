import type { OfferedFile } from "../../intake/file-answers.js";
import type { FormFile } from "../form-body.js";

/**
 * The report form's files with the template field each answers: a file sent from the input
 * `fields.<id>` answers that field (such as Kafe's proof of concept); one from `attachments`, or
 * one without a file name, is a plain attachment.
 */
export function filesWithInputs(files: readonly FormFile[]): OfferedFile[] {
  return files.map(({ input, ...file }) => {
    const field =
      input.startsWith("fields.") && file.filename !== "" ? input.slice("fields.".length) : undefined;
    return field === undefined ? { file } : { file, field };
  });
}
