import { creditMonth } from "./choice.js";

/**
 * The acknowledgments snippet for a source repository (Kafe's "credit in the source repository"):
 * Markdown, one line per credited reporter, newest first: the name (linked when they gave an https
 * link) and the CVE id, or the month of publication. Names are escaped, so a name is never markup.
 * Pure.
 */

export interface PublishedCredit {
  name: string;
  /** An https link (creditDecision keeps no other). */
  link: string | null;
  cveId: string | null;
  publishedAt: Date | null;
}

export const SNIPPET_HEADING = "## Security acknowledgments";

/** Every character Markdown (CommonMark and GitHub's) could read as markup, backslash-escaped. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\p{Cc}\s]+/gu, " ")
    .replace(/[\\`*_{}[\]()<>#+\-.!|~&:@"'=$%^]/g, (char) => `\\${char}`);
}

/** A link target that cannot end the link early: https only, parentheses and spaces encoded. */
function linkTarget(link: string): string {
  return new URL(link).href.replace(
    /[()<> ]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function acknowledgmentsMarkdown(credits: readonly PublishedCredit[]): string {
  const lines = credits.map((credit) => {
    const name = escapeMarkdown(credit.name);
    const who = credit.link === null ? name : `[${name}](${linkTarget(credit.link)})`;
    const what = credit.cveId ?? (credit.publishedAt === null ? null : creditMonth(credit.publishedAt));
    return what === null ? `- ${who}` : `- ${who} — ${what}`;
  });
  const body = lines.length === 0 ? ["No reporters to credit yet."] : lines;
  return `${SNIPPET_HEADING}\n\n${body.join("\n")}\n`;
}
