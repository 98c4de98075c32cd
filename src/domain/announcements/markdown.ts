/**
 * The Markdown a public announcement is written in: a small subset, parsed into a tree of text
 * that the views render with preact (which escapes every string). Nothing here produces HTML, so
 * no HTML the author typed can reach a page: `<script>` is text like any other.
 *
 * - Blocks, separated by blank lines: paragraphs; `- ` (or `* `, `+ `) list items; fenced code
 *   between ``` lines; `#` headings (shown as a strong paragraph: the page has its own headings).
 * - Inline: `code`, **strong**, *em* (or _em_), [text](https://…). A link whose target is not
 *   an https URL (javascript:, data:, http:, relative) stays text, exactly as typed.
 *
 * Linear in the input: every delimiter's next position is remembered (`nextOf`), so an input of
 * unmatched openers ("[[[[…", "****…") is scanned once per delimiter, not once per opener, and
 * nesting stops at MAX_DEPTH.
 */

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "strong"; children: Inline[] }
  | { kind: "em"; children: Inline[] }
  | { kind: "link"; href: string; text: string };

export type Block =
  | { kind: "paragraph"; inlines: Inline[] }
  | { kind: "heading"; inlines: Inline[] }
  | { kind: "list"; items: Inline[][] }
  | { kind: "code"; text: string };

/** Strong inside em inside strong, and no deeper: the rest is text. */
const MAX_DEPTH = 3;
/** Longer link targets stay text. */
const MAX_HREF = 2_000;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: Inline[][] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ kind: "paragraph", inlines: parseInline(paragraph.join("\n")) });
    if (list.length > 0) blocks.push({ kind: "list", items: list });
    paragraph = [];
    list = [];
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const trimmed = line.trim();
    if (trimmed.startsWith("```")) {
      flush();
      const code: string[] = [];
      index++;
      while (index < lines.length && !(lines[index] ?? "").trim().startsWith("```")) {
        code.push(lines[index] ?? "");
        index++;
      }
      blocks.push({ kind: "code", text: code.join("\n") });
      continue;
    }
    if (trimmed === "") {
      flush();
      continue;
    }
    const item = listItemText(line);
    if (item !== undefined) {
      if (paragraph.length > 0) flush();
      list.push(parseInline(item));
      continue;
    }
    const heading = headingText(trimmed);
    if (heading !== undefined) {
      flush();
      blocks.push({ kind: "heading", inlines: parseInline(heading) });
      continue;
    }
    if (list.length > 0) flush();
    paragraph.push(trimmed);
  }
  flush();
  return blocks;
}

/** The text of a list item line ("- text", up to three spaces before), or undefined. */
function listItemText(line: string): string | undefined {
  let at = 0;
  while (at < 3 && line[at] === " ") at++;
  const marker = line[at];
  const after = line[at + 1];
  if ((marker === "-" || marker === "*" || marker === "+") && (after === " " || after === "\t"))
    return line.slice(at + 2).trim();
  return undefined;
}

/** The text of a heading line ("## text"), or undefined. */
function headingText(trimmed: string): string | undefined {
  let level = 0;
  while (level < trimmed.length && trimmed[level] === "#") level++;
  if (level === 0 || level > 6 || trimmed[level] !== " ") return undefined;
  return trimmed.slice(level + 1).trim();
}

const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}]/u.test(char);

/**
 * The target of a link when it is an absolute https URL without credentials, as the URL parser
 * writes it; null otherwise (the link is then shown as the text that was typed).
 */
export function safeHref(target: string): string | null {
  if (target.length > MAX_HREF || !target.startsWith("https://")) return null;
  // Whitespace, quotes, angle brackets or controls: not a URL someone meant to link.
  if (/[\s"'<>`\\\p{Cc}]/u.test(target)) return null;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "") return null;
  return url.href;
}

export function parseInline(text: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let buffer = "";
  const nextOf = new Map<string, number>();
  /** The first `token` at or after `from`; -1 when none. Remembered, so each token is searched once. */
  const find = (token: string, from: number): number => {
    const known = nextOf.get(token);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const found = text.indexOf(token, from);
    nextOf.set(token, found);
    return found;
  };
  /** Adds `inline` after the text read so far; neighbouring text becomes one node. */
  const push = (inline: Inline) => {
    if (inline.kind === "text") {
      buffer += inline.text;
      return;
    }
    if (buffer !== "") out.push({ kind: "text", text: buffer });
    buffer = "";
    out.push(inline);
  };
  const nests = depth < MAX_DEPTH;
  let at = 0;
  while (at < text.length) {
    const char = text[at] ?? "";
    if (char === "`") {
      const end = find("`", at + 1);
      if (end > at + 1) {
        push({ kind: "code", text: text.slice(at + 1, end) });
        at = end + 1;
        continue;
      }
    } else if (char === "*" && text[at + 1] === "*") {
      let end = nests ? find("**", at + 2) : -1;
      // "***" closes the em inside first ("**a *b***"): the strong ends at the run's last two.
      // Walked once: the strong's end is past the run, and the next opener starts there.
      while (end !== -1 && text[end + 2] === "*") end++;
      if (end > at + 2) {
        push({ kind: "strong", children: parseInline(text.slice(at + 2, end), depth + 1) });
        at = end + 2;
        continue;
      }
      buffer += "**";
      at += 2;
      continue;
    } else if (char === "*" || (char === "_" && !isWordChar(text[at - 1]))) {
      const end = find(char, at + 1);
      if (nests && end > at + 1 && (char === "*" || !isWordChar(text[end + 1]))) {
        push({ kind: "em", children: parseInline(text.slice(at + 1, end), depth + 1) });
        at = end + 1;
        continue;
      }
    } else if (char === "[") {
      const close = find("]", at + 1);
      const paren = close !== -1 && text[close + 1] === "(" ? find(")", close + 2) : -1;
      if (paren !== -1) {
        const label = text.slice(at + 1, close);
        const href = safeHref(text.slice(close + 2, paren).trim());
        push(
          href !== null && label.trim() !== ""
            ? { kind: "link", href, text: label }
            : { kind: "text", text: text.slice(at, paren + 1) },
        );
        at = paren + 1;
        continue;
      }
    }
    buffer += char;
    at++;
  }
  if (buffer !== "") out.push({ kind: "text", text: buffer });
  return out;
}
