/**
 * A case's short human reference: its program's slug upper-cased and its number in the program
 * (`KITSU-12`, `ROCKETCHAT-3`), for the team and the reporter to quote, to search by and for
 * `embargo guard` to look for. The number is given at intake (src/commands/submit-report.ts, a
 * counter per program); this is only its wording and reading. Pure.
 */

/** Numbers beyond this are not case numbers (and stay exact in every engine's integer). */
export const MAX_CASE_NUMBER = 2_147_483_647;

/** `KITSU-12`. */
export function caseReference(program: string, number: number): string {
  return `${program.toUpperCase()}-${number}`;
}

/** `caseReference`, or null for a case without a number (rows written by hand, as bench fixtures are). */
export function caseReferenceOf(program: string, number: number | null | undefined): string | null {
  return number === null || number === undefined ? null : caseReference(program, number);
}

/**
 * How notifications and mail name a case to people (subjects, texts, receipts): its reference
 * (`KITSU-12`), or the first 8 characters of its id for a case without a number. The one
 * wording, so the team's mail, the chat rooms and the reporter's mail quote the same thing. Not
 * secret either way: it says which case, nothing of the report.
 */
export function caseLabel(row: { id: string; program: string; number?: number | null }): string {
  return caseReferenceOf(row.program, row.number) ?? row.id.slice(0, 8);
}

/**
 * What a search text names, when it is a case reference: `KITSU-12` (any case; the program is the
 * slug in lower case, and may itself hold hyphens: `rocket-chat-3`) or `#12` (the number alone,
 * in whatever programs the search covers). Undefined for anything else, which is searched as words.
 */
export type CaseNumberQuery = { program?: string; number: number };

const WITH_PROGRAM = /^([a-z0-9][a-z0-9-]{0,62})-(\d{1,10})$/i;
const NUMBER_ONLY = /^#(\d{1,10})$/;

export function parseCaseReference(text: string): CaseNumberQuery | undefined {
  const trimmed = text.trim();
  const alone = NUMBER_ONLY.exec(trimmed);
  if (alone !== null) return numbered(undefined, alone[1]);
  const full = WITH_PROGRAM.exec(trimmed);
  if (full === null) return undefined;
  return numbered(full[1]?.toLowerCase(), full[2]);
}

function numbered(program: string | undefined, digits: string | undefined): CaseNumberQuery | undefined {
  const number = Number(digits);
  if (!Number.isSafeInteger(number) || number < 1 || number > MAX_CASE_NUMBER) return undefined;
  return program === undefined ? { number } : { program, number };
}
