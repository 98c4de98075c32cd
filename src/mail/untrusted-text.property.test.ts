import fc from "fast-check";
import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { expectWithinBudget } from "../../test/support/time-budget.js";
import { type InboundLimits, InboundMailError, parseInboundMail } from "./inbound-parse.js";
import { openPgp } from "./open-pgp.js";
import { armorBlock, detectPgp } from "./pgp-mime.js";
import {
  decodeBody,
  decodeText,
  type MimeEntity,
  parseMimeEntity,
  withoutTrailingWhitespace,
} from "./raw-mime.js";

/**
 * Everything the mail path runs on a stranger's raw text must take time in proportion to its
 * size (issue 14: a 400 kB body held the event loop for 10 s). Generated mails stress what made
 * regexes or loops go quadratic (repeated armour lines, long whitespace runs, deep nesting, many
 * boundaries, long or many header lines) and each is held to the time budget per kilobyte of
 * test/support/time-budget.ts.
 */
const LIMITS: InboundLimits = {
  maxAttachments: 100_000,
  maxAttachmentBytes: 50 * 1024 * 1024,
  maxTotalBytes: 50 * 1024 * 1024,
};

/** Properties with big inputs: few runs, and no shrinking (a smaller input is not slow anyway). */
const BIG = { numRuns: 15, endOnFailure: true } as const;

/** What the ingest runs on raw mail before any key is involved, as it runs it. */
async function parseLikeTheIngest(raw: Buffer): Promise<void> {
  const visit = (entity: MimeEntity): void => {
    decodeBody(entity);
    if (entity.contentType.startsWith("text/")) decodeText(entity);
    for (const part of entity.parts) visit(part);
  };
  visit(parseMimeEntity(raw));
  detectPgp(raw);
  try {
    await parseInboundMail(raw, LIMITS);
  } catch (error) {
    // Refusing malformed mail with its own error is fine; anything else escaping is a bug.
    if (!(error instanceof InboundMailError)) throw error;
  }
}

// Module loading and the first compilation are not the input's doing: done before any timing.
beforeAll(async () => {
  await parseLikeTheIngest(Buffer.from("From: a@b.example\r\nContent-Type: text/plain\r\n\r\nwarm-up\r\n"));
});

const mail = (headers: string[], body: string | Buffer): Buffer =>
  Buffer.concat([
    Buffer.from(
      ["From: rep@example.net", "To: security@acme.example", ...headers, "", ""].join("\r\n"),
      "latin1",
    ),
    typeof body === "string" ? Buffer.from(body, "latin1") : body,
  ]);

const lineEnd = fc.constantFrom("\r\n", "\n", "\r");

/** Armour lines as an attacker repeats them: BEGIN without END, quoted, padded, misplaced ENDs. */
const armourLine = fc.constantFrom(
  "-----BEGIN PGP MESSAGE-----",
  "-----BEGIN PGP SIGNED MESSAGE-----",
  "-----BEGIN PGP SIGNATURE-----",
  "-----BEGIN PGP MESSAGE----- ",
  "> -----BEGIN PGP MESSAGE-----",
  "x-----END PGP MESSAGE-----",
  "Hash: SHA256",
  "",
);

const repeatedArmour = fc
  .record({
    lines: fc.array(armourLine, { minLength: 1, maxLength: 4 }),
    eol: lineEnd,
    times: fc.integer({ min: 1, max: 20_000 }),
    tail: fc.string({ maxLength: 40 }),
  })
  .map(({ lines, eol, times, tail }) => `${lines.join(eol)}${eol}`.repeat(times) + tail);

/** Where armour text can sit: every place detectPgp looks for an armoured block. */
function armourMail(body: string, place: "text" | "qp" | "base64" | "encrypted" | "signed"): Buffer {
  switch (place) {
    case "text":
      return mail(["Content-Type: text/plain; charset=utf-8"], body);
    case "qp":
      return mail(["Content-Type: text/plain", "Content-Transfer-Encoding: quoted-printable"], body);
    case "base64":
      return mail(
        ["Content-Type: text/plain", "Content-Transfer-Encoding: base64"],
        Buffer.from(body, "latin1").toString("base64"),
      );
    case "encrypted":
      return mail(
        ['Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="e"'],
        `--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e\r\n` +
          `Content-Type: application/octet-stream\r\n\r\n${body}\r\n--e--\r\n`,
      );
    case "signed":
      return mail(
        [
          'Content-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary="s"',
        ],
        `--s\r\nContent-Type: text/plain\r\n\r\nhello\r\n--s\r\n` +
          `Content-Type: application/pgp-signature\r\n\r\n${body}\r\n--s--\r\n`,
      );
  }
}

const armourPlace = fc.constantFrom(...(["text", "qp", "base64", "encrypted", "signed"] as const));

/** Quoted-printable lines with long runs of spaces and tabs, ended every way a line can end. */
const whitespaceRuns = fc
  .array(
    fc.record({
      before: fc.constantFrom("", "x", "=", "=20"),
      run: fc.constantFrom(" ", "\t", " \t"),
      times: fc.integer({ min: 1, max: 60_000 }),
      after: fc.constantFrom("", "x", "=", "\r\n", "\n", "\r", "=\r\n", "\r\r\n"),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((runs) => runs.map(({ before, run, times, after }) => before + run.repeat(times) + after).join(""));

/** Multiparts nested `depth` deep, each level with its own boundary and some junk lines. */
const deepNesting = fc
  .record({
    depth: fc.integer({ min: 1, max: 2_000 }),
    boundary: fc.constantFrom("b", "=_x", "----=_Part_0", " "),
    eol: fc.constantFrom("\r\n", "\n"),
    leaf: fc.constantFrom("leaf", "-----BEGIN PGP MESSAGE-----", " ".repeat(1000)),
    closed: fc.boolean(),
  })
  .map(({ depth, boundary, eol, leaf, closed }) => {
    let raw = `Content-Type: text/plain${eol}${eol}${leaf}`;
    for (let level = depth; level > 0; level--) {
      const b = `${boundary}${level}`;
      raw =
        `Content-Type: multipart/mixed; boundary="${b}"${eol}${eol}junk${eol}--${b}${eol}${raw}${eol}` +
        `--${b}x${eol}${closed ? `--${b}--` : ""}`;
    }
    return mail([], raw);
  });

/** One multipart with up to 30,000 delimiters, some of them only look like delimiters. */
const manyBoundaries = fc
  .record({
    parts: fc.integer({ min: 1, max: 30_000 }),
    boundary: fc.string({ minLength: 1, maxLength: 70, unit: fc.constantFrom("a", "-", "=", "_", " ", "'") }),
    padding: fc.constantFrom("", " \t", "x", "--"),
    disposition: fc.constantFrom("", "Content-Disposition: attachment; filename=a.txt\r\n"),
  })
  .map(({ parts, boundary, padding, disposition }) =>
    mail(
      [`Content-Type: multipart/mixed; boundary="${boundary}"`],
      `${`--${boundary}${padding}\r\n${disposition}\r\nx\r\n`.repeat(parts)}--${boundary}--\r\n`,
    ),
  );

/** Long header lines, folded or not, plain or as encoded words, and very many header fields. */
const headerAbuse = fc
  .record({
    name: fc.constantFrom("Subject", "X-Junk", "References", "In-Reply-To", "From", "Content-Type"),
    piece: fc.constantFrom("word ", "=?utf-8?q?=C3=A9?= ", "<id@example.net> ", "<<<", "a@b, ", ";;"),
    times: fc.integer({ min: 1, max: 60_000 }),
    fold: fc.constantFrom(0, 1, 7, 70),
    fields: fc.integer({ min: 1, max: 15_000 }),
  })
  .map(({ name, piece, times, fold, fields }) => {
    const pieces = Array.from({ length: Math.ceil(times / Math.max(1, fold)) }, () =>
      piece.repeat(Math.min(times, Math.max(1, fold))),
    );
    const value = fold === 0 ? piece.repeat(times) : pieces.join("\r\n ");
    return mail([`${name}: ${value}`, ...Array.from({ length: fields }, (_, i) => `X-F${i % 7}: v`)], "body");
  });

describe("untrusted mail text: time in proportion to size", () => {
  it("repeated armour lines, wherever they sit", async () => {
    await fc.assert(
      fc.asyncProperty(repeatedArmour, armourPlace, async (body, place) => {
        const raw = armourMail(body, place);
        await expectWithinBudget(`armour in ${place}`, raw.length, () => parseLikeTheIngest(raw));
      }),
      BIG,
    );
  });

  it("long whitespace runs in quoted-printable text", async () => {
    await fc.assert(
      fc.asyncProperty(whitespaceRuns, async (body) => {
        const raw = mail(["Content-Type: text/plain", "Content-Transfer-Encoding: quoted-printable"], body);
        await expectWithinBudget("quoted-printable whitespace", raw.length, () => parseLikeTheIngest(raw));
      }),
      BIG,
    );
  });

  it("deep MIME nesting", async () => {
    await fc.assert(
      fc.asyncProperty(deepNesting, async (raw) => {
        await expectWithinBudget("deep nesting", raw.length, () => parseLikeTheIngest(raw));
      }),
      BIG,
    );
  });

  it("many boundaries", async () => {
    await fc.assert(
      fc.asyncProperty(manyBoundaries, async (raw) => {
        await expectWithinBudget("many boundaries", raw.length, () => parseLikeTheIngest(raw));
      }),
      BIG,
    );
  });

  it("long header lines, huge References and many header fields", async () => {
    await fc.assert(
      fc.asyncProperty(headerAbuse, async (raw) => {
        await expectWithinBudget("header abuse", raw.length, () => parseLikeTheIngest(raw));
      }),
      BIG,
    );
  });
});

describe("untrusted mail text: the inputs that stalled the server (issue 14)", () => {
  const beginLines = (marker: string, bytes: number): string => {
    const line = `-----BEGIN PGP ${marker}-----\r\n`;
    return line.repeat(Math.ceil(bytes / line.length));
  };

  // The issue's 400 kB, and four times that: quadratic time outgrows a per-kilobyte budget fast,
  // so the larger size fails the old code by a wide margin however fast the machine is.
  for (const marker of ["MESSAGE", "SIGNED MESSAGE"]) {
    it(`400 kB and 1.6 MB of BEGIN PGP ${marker} lines (400 kB took 3-10 s)`, async () => {
      for (const bytes of [400_000, 1_600_000]) {
        const raw = armourMail(beginLines(marker, bytes), "text");
        await expectWithinBudget(`BEGIN PGP ${marker} lines`, raw.length, () => parseLikeTheIngest(raw));
        expect(detectPgp(raw).kind).toBe("none");
      }
    });
  }

  it("60 kB of spaces in a quoted-printable line (took 9 s)", async () => {
    const raw = mail(
      ["Content-Type: text/plain", "Content-Transfer-Encoding: quoted-printable"],
      `x${" ".repeat(60_000)}x\r\n`,
    );
    await expectWithinBudget("QP spaces", raw.length, () => parseLikeTheIngest(raw));
    expect(decodeText(parseMimeEntity(raw))).toBe(`x${" ".repeat(60_000)}x\r\n`);
  });

  it("16,000 repeated header fields (took a second)", async () => {
    const raw = mail(
      Array.from({ length: 16_000 }, () => "A: b"),
      "body",
    );
    await expectWithinBudget("repeated header fields", raw.length, () => parseLikeTheIngest(raw));
  });

  describe("encrypted", () => {
    let program: openpgp.PrivateKey;
    beforeAll(async () => {
      ({ privateKey: program } = await openpgp.generateKey({
        userIDs: [{ email: "security@acme.example" }],
        format: "object",
      }));
    });

    it("a compressed PGP/MIME message whose plaintext is 1 MB of BEGIN lines (such a mail took 103 s)", async () => {
      const inner = `Content-Type: text/plain\r\n\r\n${beginLines("MESSAGE", 1_000_000)}`;
      const armored = await openpgp.encrypt({
        message: await openpgp.createMessage({ binary: Buffer.from(inner) }),
        encryptionKeys: program.toPublic(),
        config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
      });
      const raw = armourMail(armored, "encrypted");
      expect(raw.length).toBeLessThan(20_000); // a few kilobytes on the wire
      const outer = await parseInboundMail(raw, LIMITS);
      // The work is in proportion to the plaintext, which maxTotalBytes bounds: budget by that.
      await expectWithinBudget("encrypted BEGIN lines", inner.length, async () => {
        const opened = await openPgp(raw, outer, {
          decryptionKeys: async () => [program],
          knownSenderKey: null,
          limits: LIMITS,
        });
        expect(opened.facts.encrypted).toBe(true);
      });
    });
  });
});

describe("the linear rewrites mean what the regexes meant", () => {
  const token = (...tokens: string[]) =>
    fc.array(fc.constantFrom(...tokens), { maxLength: 30 }).map((t) => t.join(""));

  it("armorBlock finds what /^-----BEGIN…-----\\r?$[\\s\\S]*?^-----END…-----/m found", () => {
    const text = token(
      "-----BEGIN PGP MESSAGE-----",
      "-----BEGIN PGP SIGNED MESSAGE-----",
      "-----END PGP MESSAGE-----",
      "-----END PGP SIGNATURE-----",
      "\r",
      "\n",
      "\u2028",
      "\u2029",
      "> ",
      "x",
      " ",
    );
    const pairs = [
      ["MESSAGE", "MESSAGE"],
      ["SIGNED MESSAGE", "SIGNATURE"],
      ["SIGNATURE", "SIGNATURE"],
    ] as const;
    fc.assert(
      fc.property(text, fc.constantFrom(...pairs), (input, [begin, end]) => {
        const match = new RegExp(
          `^-----BEGIN PGP ${begin}-----\\r?$[\\s\\S]*?^-----END PGP ${end}-----`,
          "m",
        ).exec(input);
        const expected = match === null ? null : { block: match[0], index: match.index };
        expect(armorBlock(input, begin, end)).toEqual(expected);
      }),
      { numRuns: 3_000 },
    );
  });

  it("withoutTrailingWhitespace does what .replace(/[ \\t]+(?=\\r?\\n)/g, '') did", () => {
    fc.assert(
      fc.property(token(" ", "\t", "\r", "\n", "a", "=", "\r\n"), (input) => {
        expect(withoutTrailingWhitespace(input)).toBe(input.replace(/[ \t]+(?=\r?\n)/g, ""));
      }),
      { numRuns: 3_000 },
    );
  });
});
