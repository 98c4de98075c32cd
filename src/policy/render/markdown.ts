import type { Block, Inline, Outline, Rich } from "./outline.js";

/** Renders a policy outline as SECURITY.md. Policy text is escaped so it cannot inject markup. */
export function renderMarkdown(outline: Outline): string {
  const lines: string[] = [`# ${escapeMarkdown(outline.title)}`, ""];
  for (const paragraph of outline.intro) lines.push(rich(paragraph), "");
  for (const section of outline.sections) {
    lines.push(`## ${escapeMarkdown(section.title)}`, "");
    for (const block of section.blocks) lines.push(...renderBlock(block), "");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

function renderBlock(block: Block): string[] {
  switch (block.kind) {
    case "paragraph":
      return [rich(block.content)];
    case "subheading":
      return [`### ${escapeMarkdown(block.text)}`];
    case "list":
      return block.items.map((item) => `- ${rich(item)}`);
    case "table":
      return [
        `| ${block.head.map(escapeMarkdown).join(" | ")} |`,
        `| ${block.head.map(() => "---").join(" | ")} |`,
        ...block.rows.map((row) => `| ${row.map((cell) => inline(cell)).join(" | ")} |`),
      ];
  }
}

function rich(content: Rich): string {
  return content.map(inline).join("");
}

function inline(part: Inline): string {
  if (typeof part === "string") return escapeMarkdown(part);
  if ("strong" in part) return `**${escapeMarkdown(part.strong)}**`;
  return `[${escapeMarkdown(part.text)}](<${part.href.replaceAll(">", "%3E")}>)`;
}

/** Escapes the characters that start Markdown or HTML syntax inside running text. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : `\\${c}`));
}
