/**
 * The shape of a policy outline (src/policy/render/outline.ts): sections of paragraphs, lists and
 * tables of rich text, which Markdown and HTML render. Apart, so the team's sections
 * (team-outline.ts) and the public outline share it without importing each other.
 */
export type Inline = string | { text: string; href: string } | { strong: string };
export type Rich = Inline[];
export type Block =
  | { kind: "paragraph"; content: Rich }
  | { kind: "list"; items: Rich[] }
  | { kind: "table"; head: string[]; rows: Rich[] }
  | { kind: "subheading"; text: string };
export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}
export interface Outline {
  title: string;
  intro: Rich[];
  sections: Section[];
}
