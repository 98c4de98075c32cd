import { isBlank, trimTrailingWsp } from "./lines.js";
import { error, type Finding, type SourceLine, warning } from "./types.js";

/**
 * The OpenPGP cleartext signature framework (RFC 4880 §7, kept in RFC 9580 §7):
 *
 *   -----BEGIN PGP SIGNED MESSAGE-----
 *   Hash: SHA256                      (zero or more "Hash" armor headers)
 *                                     (exactly one empty line)
 *   dash-escaped cleartext            (lines starting with "-" are prefixed with "- ")
 *   -----BEGIN PGP SIGNATURE-----
 *   Version: ...                      (optional armor headers)
 *                                     (empty line)
 *   base64 data
 *   =XXXX                             (optional CRC-24 checksum)
 *   -----END PGP SIGNATURE-----
 *
 * Only the framing is checked here; verifying the signature happens elsewhere.
 */
const BEGIN_MESSAGE = "-----BEGIN PGP SIGNED MESSAGE-----";
const BEGIN_SIGNATURE = "-----BEGIN PGP SIGNATURE-----";
const END_SIGNATURE = "-----END PGP SIGNATURE-----";

const ARMOR_HEADER = /^([A-Za-z][A-Za-z0-9-]*): (.*)$/;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
const CHECKSUM_LINE = /^=[A-Za-z0-9+/]{4}$/;

// The armor header keys of RFC 4880 §6.2; of these, only "Hash" may appear in a cleartext header.
const ARMOR_KEYS = new Set(["Version", "Comment", "MessageID", "Hash", "Charset"]);

// Hash names from RFC 4880 §9.4 and RFC 9580 §9.5; the first three are too weak to trust.
const HASHES = new Set([
  "MD5",
  "SHA1",
  "RIPEMD160",
  "SHA224",
  "SHA256",
  "SHA384",
  "SHA512",
  "SHA3-256",
  "SHA3-512",
]);
const WEAK_HASHES = new Set(["MD5", "SHA1", "RIPEMD160"]);

export interface Envelope {
  signed: boolean;
  /** The security.txt content lines (dash-escaping removed), with their line numbers in the file. */
  content: SourceLine[];
  findings: Finding[];
}

/** Armor lines are compared without trailing whitespace, which OpenPGP implementations ignore. */
function armor(line: SourceLine | undefined): string | undefined {
  return line === undefined ? undefined : trimTrailingWsp(line.text);
}

function framing(line: number, message: string): Finding {
  return error(line, "bad-signature-framing", `line ${line}: ${message}`);
}

export function unwrapCleartext(lines: readonly SourceLine[]): Envelope {
  const start = lines.findIndex((line) => armor(line) === BEGIN_MESSAGE);
  return start < 0 ? unsigned(lines) : signed(lines, start);
}

/** An unsigned file must not carry a detached-looking signature block: it would look signed but is not. */
function unsigned(lines: readonly SourceLine[]): Envelope {
  const begin = lines.findIndex((line) => armor(line) === BEGIN_SIGNATURE);
  if (begin < 0) return { signed: false, content: [...lines], findings: [] };
  const end = lines.findIndex((line, index) => index > begin && armor(line) === END_SIGNATURE);
  const last = end < 0 ? lines.length - 1 : end;
  const blockLine = lines[begin]?.number ?? 0;
  return {
    signed: false,
    // The block itself is reported once here rather than as a run of bad lines.
    content: [...lines.slice(0, begin), ...lines.slice(last + 1)],
    findings: [framing(blockLine, `signature block without a preceding "${BEGIN_MESSAGE}" line`)],
  };
}

function signed(lines: readonly SourceLine[], start: number): Envelope {
  const findings: Finding[] = [];
  const lastLine = lines[lines.length - 1]?.number ?? 0;

  // Anything before the header is outside the signed message, so a reader could be misled by it.
  const before = lines.slice(0, start).find((line) => !isBlank(line.text));
  if (before !== undefined) {
    findings.push(
      framing(before.number, `content before "${BEGIN_MESSAGE}" is not covered by the signature`),
    );
  }

  let index = readHashHeaders(lines, start + 1, findings);

  const content: SourceLine[] = [];
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (armor(line) === BEGIN_SIGNATURE) break;
    if (line.text.startsWith("- ")) {
      content.push({ number: line.number, text: line.text.slice(2) });
    } else if (line.text.startsWith("-")) {
      const nested = armor(line) === BEGIN_MESSAGE;
      findings.push(
        framing(
          line.number,
          nested
            ? `a second "${BEGIN_MESSAGE}" line inside the signed message`
            : 'a line starting with "-" inside the signed message must be dash-escaped ("- -...")',
        ),
      );
    } else {
      content.push(line);
    }
  }
  if (index >= lines.length) {
    findings.push(
      framing(lastLine, `the signed message has no signature block ("${BEGIN_SIGNATURE}" is missing)`),
    );
    return { signed: true, content, findings };
  }

  const end = readSignatureBlock(lines, index, findings);
  if (end >= 0) {
    const after = lines.slice(end + 1).find((line) => !isBlank(line.text));
    if (after !== undefined) {
      findings.push(
        framing(after.number, `content after "${END_SIGNATURE}" is not covered by the signature`),
      );
    }
  }
  return { signed: true, content, findings };
}

/** Reads the "Hash:" armor headers and the empty line after them; returns the index of the first content line. */
function readHashHeaders(lines: readonly SourceLine[], from: number, findings: Finding[]): number {
  let index = from;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    const text = armor(line) ?? "";
    if (text === "") return index + 1;
    const header = ARMOR_HEADER.exec(text);
    const [, key = "", value = ""] = header ?? [];
    if (header === null || !ARMOR_KEYS.has(key)) {
      // Most likely the empty line is missing and this is already a security.txt field: say so and
      // treat the line as the start of the content, so the fields are still checked.
      findings.push(
        framing(line.number, `expected an empty line after "${BEGIN_MESSAGE}" and its Hash headers`),
      );
      return index;
    }
    if (key !== "Hash") {
      findings.push(
        framing(line.number, `only "Hash" armor headers may follow "${BEGIN_MESSAGE}", found "${key}"`),
      );
      continue;
    }
    for (const name of value.split(",").map((part) => part.trim().toUpperCase())) {
      if (!HASHES.has(name)) {
        findings.push(framing(line.number, `unknown hash algorithm "${name}" in the Hash header`));
      } else if (WEAK_HASHES.has(name)) {
        findings.push(
          warning(
            line.number,
            "weak-hash",
            `line ${line.number}: the Hash header names ${name}, which is too weak`,
          ),
        );
      }
    }
  }
  return index;
}

/**
 * Checks the block from "-----BEGIN PGP SIGNATURE-----" (at `begin`) to "-----END PGP SIGNATURE-----";
 * returns the index of the END line, or -1 when there is none.
 */
function readSignatureBlock(lines: readonly SourceLine[], begin: number, findings: Finding[]): number {
  const beginLine = lines[begin]?.number ?? 0;
  const end = lines.findIndex((line, index) => index > begin && armor(line) === END_SIGNATURE);
  if (end < 0) {
    findings.push(framing(beginLine, `the signature block has no "${END_SIGNATURE}" line`));
    return -1;
  }
  let index = begin + 1;
  while (index < end && ARMOR_HEADER.test(armor(lines[index]) ?? "")) index++;
  if (armor(lines[index]) === "") {
    index++;
  } else {
    findings.push(
      framing(
        lines[index]?.number ?? beginLine,
        "expected an empty line after the signature's armor headers",
      ),
    );
  }
  const dataStart = index;
  while (index < end && BASE64_LINE.test(armor(lines[index]) ?? "")) index++;
  if (index === dataStart) {
    findings.push(framing(beginLine, "the signature block holds no base64 data"));
  }
  if (index < end && CHECKSUM_LINE.test(armor(lines[index]) ?? "")) index++;
  if (index < end) {
    const stray = lines[index]!;
    findings.push(framing(stray.number, "unexpected line inside the signature block"));
  }
  return end;
}
