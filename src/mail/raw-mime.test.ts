import { describe, expect, it } from "vitest";
import { decodeBody, decodeText, headerValue, parseMimeEntity, toCrlf } from "./raw-mime.js";

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join("\r\n"), "latin1");

describe("parseMimeEntity", () => {
  it("unfolds headers and reads the content type", () => {
    const entity = parseMimeEntity(
      crlf(
        "Subject: a",
        "  long subject",
        "Content-Type: Multipart/Mixed;",
        '\tboundary="b 1"; X=y',
        "",
        "body",
      ),
    );
    expect(headerValue(entity.headers, "Subject")).toBe("a long subject");
    expect(entity.contentType).toBe("multipart/mixed");
    expect(entity.params).toMatchObject({ boundary: "b 1", x: "y" });
  });

  it("defaults to text/plain and handles an entity without headers", () => {
    const entity = parseMimeEntity(crlf("", "just a body"));
    expect(entity.contentType).toBe("text/plain");
    expect(entity.headers).toEqual([]);
    expect(entity.body.toString()).toBe("just a body");
  });

  it("cuts parts exactly: the CRLF before a delimiter belongs to the delimiter", () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary="XX"',
      "",
      "preamble",
      "--XX",
      "Content-Type: text/plain",
      "",
      "first  ",
      "",
      "--XXnot-a-delimiter",
      "--XX \t",
      "",
      "second",
      "--XX--",
      "epilogue",
    );
    const entity = parseMimeEntity(raw);
    expect(entity.parts.map((p) => p.raw.toString("latin1"))).toEqual([
      "Content-Type: text/plain\r\n\r\nfirst  \r\n\r\n--XXnot-a-delimiter",
      "\r\nsecond",
    ]);
    expect(entity.parts[1]!.body.toString()).toBe("second");
    // Slices of the original bytes, not copies or re-serialisations.
    expect(entity.parts[0]!.raw.buffer).toBe(raw.buffer);
  });

  it("tolerates LF-only mail, a missing close delimiter and nesting", () => {
    const raw = Buffer.from(
      [
        "Content-Type: multipart/mixed; boundary=outer",
        "",
        "--outer",
        "Content-Type: multipart/alternative; boundary=inner",
        "",
        "--inner",
        "",
        "deep",
        "--inner--",
        "--outer",
        "",
        "truncated last part",
      ].join("\n"),
    );
    const entity = parseMimeEntity(raw);
    expect(entity.parts).toHaveLength(2);
    expect(entity.parts[0]!.parts[0]!.body.toString()).toBe("deep");
    expect(entity.parts[1]!.body.toString()).toBe("truncated last part");
  });

  it("stops splitting absurdly deep nesting instead of recursing without end", () => {
    const depth = 40;
    let raw = "leaf";
    for (let i = depth; i > 0; i--) {
      raw = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${raw}\r\n--b${i}--`;
    }
    let entity = parseMimeEntity(Buffer.from(raw));
    let levels = 0;
    while (entity.parts[0]) {
      entity = entity.parts[0];
      levels++;
    }
    expect(levels).toBe(16);
  });

  it("does not throw on garbage", () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    expect(() => parseMimeEntity(garbage)).not.toThrow();
    expect(() => parseMimeEntity(Buffer.alloc(0))).not.toThrow();
    expect(() => parseMimeEntity(crlf("Content-Type: multipart/mixed", "", "--"))).not.toThrow();
  });
});

describe("decodeBody / decodeText", () => {
  it("decodes quoted-printable and base64", () => {
    const qp = parseMimeEntity(
      crlf("Content-Transfer-Encoding: Quoted-Printable", "", "caf=C3=A9 soft=", "break=20  ", "=46rom"),
    );
    expect(decodeText(qp)).toBe("café softbreak \r\nFrom");
    const b64 = parseMimeEntity(crlf("Content-Transfer-Encoding: base64", "", "aGVs", "bG8="));
    expect(decodeBody(b64).toString()).toBe("hello");
  });

  it("honours the charset and falls back to UTF-8 for unknown ones", () => {
    const latin1 = parseMimeEntity(
      Buffer.concat([crlf("Content-Type: text/plain; charset=ISO-8859-1", "", ""), Buffer.from([0xe9])]),
    );
    expect(decodeText(latin1)).toBe("é");
    const unknown = parseMimeEntity(crlf("Content-Type: text/plain; charset=x-nonsense", "", "ok"));
    expect(decodeText(unknown)).toBe("ok");
  });
});

describe("toCrlf", () => {
  it("fixes bare LFs only", () => {
    expect(toCrlf(Buffer.from("a\nb\r\nc\n")).toString()).toBe("a\r\nb\r\nc\r\n");
    const already = Buffer.from("a\r\n");
    expect(toCrlf(already)).toBe(already);
  });
});
