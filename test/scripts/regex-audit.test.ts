import { describe, expect, it } from "vitest";
import { timeMatch } from "../../scripts/regex-attack.js";
import { auditFile, checkRegex, findRegexes } from "../../scripts/regex-audit.js";

describe("checkRegex (recheck, confirmed in V8)", () => {
  it("flags exponential backtracking and passes a linear pattern", () => {
    expect(checkRegex("^(a+)+$", "")).toMatchObject({
      status: "vulnerable",
      complexity: "exponential",
      attackMs: null, // never finished
    });
    expect(checkRegex("^a+$", "")).toEqual({ status: "safe" });
  });

  it("flags the quadratic pattern issue 14 found in the mail parser", () => {
    expect(checkRegex("[ \\t]+(?=\\r?\\n)", "g")).toMatchObject({
      status: "vulnerable",
      complexity: "polynomial, degree 2",
    });
  });
});

describe("timeMatch", () => {
  it("times a match in V8 and stops one that does not end", () => {
    expect(timeMatch("^a+$", "", "aaa", 1_000)).toBeLessThan(1_000);
    expect(timeMatch("^(a+)+$", "", `${"a".repeat(40)}!`, 300)).toBeNull();
  });
});

describe("findRegexes", () => {
  it("finds literals, RegExp calls folded from constants, and string arguments of match/search", () => {
    const found = findRegexes(
      [
        "const LENGTH = 10;",
        'const ALPHABET = "abc";',
        "export const a = /^(a+)+$/i;",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test, not a template
        "const b = new RegExp(`^[${ALPHABET}]{${LENGTH}}$`, 'u');",
        'const c = RegExp("x" + "y*");',
        'const d = "s".matchAll("z+");',
        "const e = (x: string) => new RegExp(x);",
        "// /not a regex/ in a comment",
        'const f = "/nor in a string/";',
      ].join("\n"),
    );
    expect(found).toEqual([
      { line: 3, column: 18, kind: "literal", source: "^(a+)+$", flags: "i" },
      { line: 4, column: 11, kind: "constructed", source: "^[abc]{10}$", flags: "u" },
      { line: 5, column: 11, kind: "constructed", source: "xy*", flags: "" },
      { line: 6, column: 11, kind: "constructed", source: "z+", flags: "g" },
      { line: 7, column: 26, kind: "dynamic", code: "x" },
    ]);
  });

  it("does not fold a name declared twice: which value is meant needs scope analysis", () => {
    const found = findRegexes(
      ['const P = "a";', "function f() {", '  const P = "(a+)+";', "  return new RegExp(P);", "}"].join("\n"),
    );
    expect(found).toEqual([{ line: 4, column: 10, kind: "dynamic", code: "P" }]);
  });

  it("reads TSX", () => {
    expect(findRegexes("export const v = <p>{'x'.replace(/-+$/, '')}</p>;")).toHaveLength(1);
  });
});

describe("auditFile", () => {
  const safe = () => ({ status: "safe" }) as const;

  it("names file, line and attack string of a vulnerable regex", () => {
    const { problems } = auditFile("src/x.ts", "\nconst r = /^(a+)+$/;", []);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "src/x.ts", line: 2, column: 11 });
    expect(problems[0]!.message).toContain("/^(a+)+$/");
    expect(problems[0]!.message).toMatch(/exponential.*attack string: .*'a'/);
  });

  it("passes a linear regex", () => {
    expect(auditFile("src/x.ts", "const r = /^a+$/;", []).problems).toEqual([]);
  });

  it("only notes an attack that V8 runs fast: the fuzzer's false alarms must not fail the lint", () => {
    const falseAlarm = () =>
      ({
        status: "unconfirmed",
        complexity: "polynomial, degree 2",
        attack: "'a'.repeat(9)",
        attackMs: 1,
      }) as const;
    const result = auditFile("src/x.ts", "const r = /a/;", [], falseAlarm);
    expect(result.problems).toEqual([]);
    expect(result.notes[0]!.message).toContain("matched in 1 ms in V8 (not counted)");
  });

  it("skips a flagged regex allowlisted for its file, and only that one", () => {
    const entry = { file: "src/x.ts", regex: "/^(a+)+$/", reason: "only ever sees our own constants" };
    const vulnerable = () =>
      ({
        status: "vulnerable",
        complexity: "exponential",
        attack: "'a'.repeat(31)",
        attackMs: null,
      }) as const;
    const code = "const r = /^(a+)+$/;";
    expect(auditFile("src/x.ts", code, [entry], vulnerable)).toMatchObject({
      problems: [],
      allowedUsed: [entry],
    });
    expect(auditFile("src/y.ts", code, [entry], vulnerable).problems).toHaveLength(1);
    expect(auditFile("src/x.ts", "const r = /^(b+)+$/;", [entry], vulnerable).problems).toHaveLength(1);
  });

  it("fails an unanalysable regex", () => {
    const unknown = () => ({ status: "unknown", error: "timeout" }) as const;
    const { problems } = auditFile("src/x.ts", "const r = /a/;", [], unknown);
    expect(problems[0]!.message).toContain("could not be proved safe (timeout)");
  });

  it("fails a dynamic regex until an allowlist entry for that file and code gives a reason", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test, not a template
    const code = "export const r = (x: string) => new RegExp(`^${x}$`);";
    expect(auditFile("src/x.ts", code, [], safe).problems[0]!.message).toContain("cannot be checked");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test, not a template
    const entry = { file: "src/x.ts", code: "`^${x}$`", reason: "x is always a literal word" };
    expect(auditFile("src/x.ts", code, [entry], safe)).toMatchObject({ problems: [], allowedUsed: [entry] });
    expect(auditFile("src/y.ts", code, [entry], safe).problems).toHaveLength(1);
  });
});
