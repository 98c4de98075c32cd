import { describe, expect, it } from "vitest";
import { sanitizeContentType, sanitizeFilename } from "../../src/store/sanitize.js";

describe("sanitizeFilename", () => {
  it.each([
    ["report.pdf", "report.pdf"],
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\me\\poc.html", "poc.html"],
    ["evil\u202Efdp.exe", "evilfdp.exe"],
    ["tab\tnew\nline.txt", "tabnewline.txt"],
    ["..", "attachment"],
    [".htaccess", "htaccess"],
    ["name with  spaces .txt", "name with spaces .txt"],
    ["<script>alert(1)</script>.html", "script_.html"],
    ['a<b>c|d?"x".txt', "a_b_c_d_x_.txt"],
    ["rapport-été.pdf", "rapport-été.pdf"],
    ["trailing. ", "trailing"],
    ["", "attachment"],
    ["\u0000", "attachment"],
    ["***", "attachment"],
  ])("%j → %j", (input, expected) => {
    expect(sanitizeFilename(input)).toBe(expected);
  });

  it("limits the length, keeping the extension", () => {
    const long = sanitizeFilename(`${"a".repeat(300)}.tar.gz`);
    expect([...long].length).toBe(100);
    expect(long.endsWith("a.gz")).toBe(true);
    expect([...sanitizeFilename("é".repeat(300))].length).toBe(100);
  });
});

describe("sanitizeContentType", () => {
  it.each([
    ["text/plain; charset=utf-8", "text/plain"],
    ["IMAGE/PNG", "image/png"],
    ["application/vnd.api+json", "application/vnd.api+json"],
    ["nonsense", "application/octet-stream"],
    ["text/html\r\nX-Injected: 1", "application/octet-stream"],
    ["", "application/octet-stream"],
  ])("%j → %j", (input, expected) => {
    expect(sanitizeContentType(input)).toBe(expected);
  });
});
