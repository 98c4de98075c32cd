import { describe, expect, it } from "vitest";
import { FALLBACK_FILENAME, MAX_FILENAME_LENGTH, sanitizeFilename } from "./attachment-filename.js";

describe("sanitizeFilename", () => {
  it("keeps ordinary names", () => {
    expect(sanitizeFilename("poc.py")).toBe("poc.py");
    expect(sanitizeFilename("rapport d'audit é.pdf")).toBe("rapport d'audit é.pdf");
  });

  it("drops directories of either separator", () => {
    expect(sanitizeFilename("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFilename("C:\\Users\\x\\evil.exe")).toBe("evil.exe");
  });

  it("removes control characters and bidi overrides", () => {
    expect(sanitizeFilename("a\u0000b\r\nc\u007f.txt")).toBe("abc.txt");
    expect(sanitizeFilename("invoice\u202Efdp.exe")).toBe("invoicefdp.exe");
  });

  it("falls back for empty, dot-only and directory-only names", () => {
    for (const name of [undefined, null, "", "   ", ".", "..", "dir/", "\u0001\u0002"]) {
      expect(sanitizeFilename(name)).toBe(FALLBACK_FILENAME);
    }
  });

  it("truncates to the limit, keeping the extension and whole characters", () => {
    const long = sanitizeFilename(`${"a".repeat(300)}.tar.gz`);
    expect(long).toHaveLength(MAX_FILENAME_LENGTH);
    expect(long.endsWith("a.gz")).toBe(true);
    const emoji = sanitizeFilename(`x${"😀".repeat(150)}`); // 2 UTF-16 units each
    expect(emoji).toBe(`x${"😀".repeat(99)}`);
    expect(sanitizeFilename(`${"b".repeat(250)}.${"e".repeat(40)}`)).toBe("b".repeat(MAX_FILENAME_LENGTH));
  });
});
