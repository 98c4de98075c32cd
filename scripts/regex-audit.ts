import { parse } from "@babel/parser";
import type { Node } from "@babel/types";
import { checkSync, type Diagnostics } from "recheck";
import { timeMatch } from "./regex-attack.js";

/**
 * The ReDoS audit behind `npm run lint` (scripts/check-regexes.ts). Every regular expression in
 * the source is found with a real parser (not grep, which misses `new RegExp` built from
 * constants and is fooled by comments and strings) and checked with recheck, which finds
 * super-linear backtracking and builds an attack string; the attack is then timed in V8 itself.
 * A regex whose source cannot be read from the code, or that recheck cannot analyse, fails until
 * it is listed, with a reason, in the allowlist: a person has to look at it, because no checker
 * can.
 */

/** A regular expression as written in one file. */
export interface FoundRegex {
  line: number;
  column: number;
  /** How it was written: a /literal/, a RegExp call whose arguments fold to constants, or not. */
  kind: "literal" | "constructed" | "dynamic";
  /** The pattern and flags, known for literal and constructed regexes. */
  source?: string;
  flags?: string;
  /** The code of the pattern argument, for dynamic regexes: what an allowlist entry names. */
  code?: string;
}

export type Verdict =
  | { status: "safe" }
  /** recheck's attack string also took long in V8: `attackMs` null means it did not finish. */
  | { status: "vulnerable"; complexity: string; attack: string; attackMs: number | null }
  /** recheck reported an attack that V8 runs fast: a false alarm of its load-dependent fuzzer. */
  | { status: "unconfirmed"; complexity: string; attack: string; attackMs: number }
  | { status: "unknown"; error: string };

/**
 * A regex a person has read and vouches for: one built from values the checker cannot see
 * (`code`), or one the checker flags but that only ever sees trusted text (`regex`).
 */
export type AllowedRegex = {
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  /** Why it is safe: shown in the lint output and read by the next reviewer. */
  reason: string;
} & (
  | {
      /** The pattern argument's code exactly as written (whitespace runs count as one space). */
      code: string;
    }
  | {
      /** The flagged regex as /source/flags. */
      regex: string;
    }
);

export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** recheck's own limits, kept explicit so a slow machine gives the same answers as a fast one. */
const RECHECK_PARAMETERS = { timeout: 20_000, randomSeed: 0 } as const;

/**
 * recheck's attack strings are sized so that super-linear matching takes seconds (a quadratic one
 * on ~55,000 characters: 2-10 s in V8), while a false alarm finishes in a few milliseconds.
 * Confirming in V8 keeps a busy machine's fuzzing noise from failing the lint.
 */
const CONFIRM_MS = 250;
const ATTACK_LIMIT_MS = 1_000;

/** Checks one pattern with recheck, and confirms a reported attack in V8. */
export function checkRegex(source: string, flags: string): Verdict {
  const diagnostics: Diagnostics = checkSync(source, flags, RECHECK_PARAMETERS);
  if (diagnostics.status === "safe") return { status: "safe" };
  if (diagnostics.status === "vulnerable") {
    const complexity =
      diagnostics.complexity.type === "polynomial"
        ? `polynomial, degree ${diagnostics.complexity.degree}`
        : diagnostics.complexity.type;
    const attack = diagnostics.attack.pattern;
    const attackMs = timeMatch(source, flags, diagnostics.attack.string, ATTACK_LIMIT_MS);
    return attackMs === null || attackMs >= CONFIRM_MS
      ? { status: "vulnerable", complexity, attack, attackMs }
      : { status: "unconfirmed", complexity, attack, attackMs };
  }
  const { error } = diagnostics;
  return { status: "unknown", error: "message" in error ? `${error.kind}: ${error.message}` : error.kind };
}

/** Every regular expression in one TypeScript/TSX file's text. Throws on a syntax error. */
export function findRegexes(code: string): FoundRegex[] {
  const ast = parse(code, { sourceType: "module", plugins: ["typescript", "jsx"], errorRecovery: false });
  const constants = collectConstants(ast.program);
  const found: FoundRegex[] = [];
  walk(ast.program, (node) => {
    const at = { line: node.loc?.start.line ?? 0, column: (node.loc?.start.column ?? 0) + 1 };
    if (node.type === "RegExpLiteral") {
      found.push({ ...at, kind: "literal", source: node.pattern, flags: node.flags });
      return;
    }
    const call = regexCall(node);
    if (call === null) return;
    if (call.pattern.type === "RegExpLiteral") {
      // new RegExp(/x/, f) copies a literal that is checked on its own; only new flags (an "m",
      // say) can change how it behaves.
      if (call.flags === undefined) return;
      const flags = fold(call.flags, constants);
      if (typeof flags === "string")
        found.push({ ...at, kind: "constructed", source: call.pattern.pattern, flags });
      else found.push({ ...at, kind: "dynamic", code: codeOf(code, call.flags) });
      return;
    }
    const source = fold(call.pattern, constants);
    const flags = call.flags === undefined ? "" : fold(call.flags, constants);
    if (typeof source === "string" && typeof flags === "string") {
      found.push({ ...at, kind: "constructed", source, flags: call.implicitFlags + flags });
    } else {
      found.push({ ...at, kind: "dynamic", code: codeOf(code, call.pattern) });
    }
  });
  return found;
}

/**
 * The lint verdict for one file: a problem for each vulnerable or unanalysable regex and each
 * dynamic one not on the allowlist; a note for each attack recheck reported that V8 disproved.
 * `check` is injectable so repeated patterns are checked once.
 */
export function auditFile(
  file: string,
  code: string,
  allowlist: readonly AllowedRegex[],
  check: (source: string, flags: string) => Verdict = checkRegex,
): { problems: Problem[]; notes: Problem[]; allowedUsed: AllowedRegex[]; checked: number } {
  const problems: Problem[] = [];
  const notes: Problem[] = [];
  const allowedUsed: AllowedRegex[] = [];
  let checked = 0;
  for (const regex of findRegexes(code)) {
    const where = { file, line: regex.line, column: regex.column };
    const written = regex.kind === "dynamic" ? undefined : `/${regex.source ?? ""}/${regex.flags ?? ""}`;
    const allowed = allowlist.find(
      (entry) =>
        entry.file === file &&
        ("code" in entry ? entry.code === regex.code : written !== undefined && entry.regex === written),
    );
    if (allowed) {
      allowedUsed.push(allowed);
      continue;
    }
    if (written === undefined) {
      problems.push({
        ...where,
        message:
          `a regex built from ${regex.code} cannot be checked: build it from constants or a literal, ` +
          "or add it to the allowlist in scripts/check-regexes.ts with the reason it is safe",
      });
      continue;
    }
    checked++;
    const verdict = check(regex.source ?? "", regex.flags ?? "");
    if (verdict.status === "vulnerable") {
      const took = verdict.attackMs === null ? "did not finish" : `took ${Math.round(verdict.attackMs)} ms`;
      problems.push({
        ...where,
        message:
          `${written} backtracks super-linearly (${verdict.complexity}; the attack ${took} in V8); ` +
          `attack string: ${verdict.attack}`,
      });
    } else if (verdict.status === "unconfirmed") {
      notes.push({
        ...where,
        message:
          `${written}: recheck reported ${verdict.complexity} backtracking, but its attack string ` +
          `matched in ${Math.round(verdict.attackMs)} ms in V8 (not counted)`,
      });
    } else if (verdict.status === "unknown") {
      problems.push({
        ...where,
        message: `${written} could not be proved safe (${verdict.error}): simplify it, or rewrite it as code`,
      });
    }
  }
  return { problems, notes, allowedUsed, checked };
}

type Folded = string | number | null;

interface RegexCall {
  pattern: Node;
  flags?: Node;
  /** Flags the call adds by itself: String.prototype.matchAll(string) builds a global regex. */
  implicitFlags: string;
}

/**
 * The pattern and flags arguments of a call that builds a RegExp: `new RegExp(p, f)`,
 * `RegExp(p, f)`, and `s.match(p)`, `s.matchAll(p)`, `s.search(p)` with a string argument
 * (those turn a string into a RegExp; with a regex argument the regex is checked where written).
 */
function regexCall(node: Node): RegexCall | null {
  if (node.type !== "NewExpression" && node.type !== "CallExpression") return null;
  const [first, second] = node.arguments;
  if (first === undefined || first.type === "SpreadElement" || first.type === "ArgumentPlaceholder") {
    return null;
  }
  if (second?.type === "SpreadElement" || second?.type === "ArgumentPlaceholder") return null;
  const callee = node.callee;
  if (callee.type === "Identifier" && callee.name === "RegExp") {
    return second === undefined
      ? { pattern: first, implicitFlags: "" }
      : { pattern: first, flags: second, implicitFlags: "" };
  }
  if (
    node.type === "CallExpression" &&
    callee.type === "MemberExpression" &&
    callee.property.type === "Identifier" &&
    ["match", "matchAll", "search"].includes(callee.property.name) &&
    (first.type === "StringLiteral" || first.type === "TemplateLiteral")
  ) {
    return { pattern: first, implicitFlags: callee.property.name === "matchAll" ? "g" : "" };
  }
  return null;
}

/**
 * File-level `const NAME = <constant>` declarations, so `new RegExp(\`^[${ALPHABET}]{${LENGTH}}$\`)`
 * is checked like a literal. A name declared twice anywhere in the file is left out: which one a
 * use refers to would need real scope analysis, and guessing wrong could hide a vulnerable regex.
 */
function collectConstants(program: Node): Map<string, Node | null> {
  const constants = new Map<string, Node | null>();
  walk(program, (node) => {
    if (node.type !== "VariableDeclarator" || node.id.type !== "Identifier") return;
    const name = node.id.name;
    constants.set(name, constants.has(name) ? null : (node.init ?? null));
  });
  return constants;
}

/** The value of a constant string/number expression, or null when it depends on anything else. */
function fold(node: Node, constants: Map<string, Node | null>, seen: Set<string> = new Set()): Folded {
  switch (node.type) {
    case "StringLiteral":
    case "NumericLiteral":
      return node.value;
    case "TemplateLiteral": {
      let text = "";
      for (const [index, quasi] of node.quasis.entries()) {
        if (quasi.value.cooked === null || quasi.value.cooked === undefined) return null;
        text += quasi.value.cooked;
        const expression = node.expressions[index];
        if (expression === undefined) continue;
        const value = fold(expression, constants, seen);
        if (value === null) return null;
        text += String(value);
      }
      return text;
    }
    case "BinaryExpression": {
      if (node.operator !== "+" || node.left.type === "PrivateName") return null;
      const left = fold(node.left, constants, seen);
      const right = fold(node.right, constants, seen);
      if (left === null || right === null) return null;
      return typeof left === "number" && typeof right === "number" ? left + right : `${left}${right}`;
    }
    case "Identifier": {
      const init = constants.get(node.name);
      if (init === undefined || init === null || seen.has(node.name)) return null;
      return fold(init, constants, new Set([...seen, node.name]));
    }
    case "TSAsExpression":
    case "TSSatisfiesExpression":
    case "TSNonNullExpression":
    case "ParenthesizedExpression":
      return fold(node.expression, constants, seen);
    default:
      return null;
  }
}

/** Calls `visit` on every AST node below `root`, parents first. */
function walk(root: Node, visit: (node: Node) => void): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    const children: Node[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (key === "loc" || key === "extra" || key.endsWith("Comments")) continue;
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) children.push(item);
      } else if (isNode(value)) {
        children.push(value);
      }
    }
    // Reversed so nodes are visited in source order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

function isNode(value: unknown): value is Node {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}

function codeOf(code: string, node: Node): string {
  return code
    .slice(node.start ?? 0, node.end ?? 0)
    .replace(/\s+/g, " ")
    .trim();
}
