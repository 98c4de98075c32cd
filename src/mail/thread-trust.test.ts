import { describe, expect, it } from "vitest";
import { messageIdFor } from "./addresses.js";
import { fromReporterAddress, isOurMessageId, signedByCaseKey } from "./thread-trust.js";

describe("isOurMessageId", () => {
  it("knows the Message-IDs we make, with or without brackets, and nothing else", () => {
    const ours = messageIdFor(Buffer.alloc(32, 1), "case:1:receipt", "Security.Example.org");
    expect(isOurMessageId(ours, "security.example.org")).toBe(true);
    expect(isOurMessageId(ours.slice(1, -1).toUpperCase(), "security.example.org")).toBe(true);
    expect(isOurMessageId(ours, "other.example")).toBe(false);
    expect(isOurMessageId("<ada-1@example.org>", "example.org")).toBe(false);
    expect(isOurMessageId(`<${"g".repeat(32)}@security.example.org>`, "security.example.org")).toBe(false);
  });
});

describe("fromReporterAddress", () => {
  it("needs the From and the envelope sender, when there is one, to be the reporter's", () => {
    expect(fromReporterAddress("Ada@Example.org", "ada@example.org", "ada@example.org")).toBe(true);
    expect(fromReporterAddress("ada@example.org", "ada@example.org", undefined)).toBe(true);
    expect(fromReporterAddress("ada@example.org", "ada@example.org", "mallory@example.net")).toBe(false);
    expect(fromReporterAddress("ada@example.org", "mallory@example.net", "ada@example.org")).toBe(false);
    expect(fromReporterAddress(undefined, "ada@example.org", "ada@example.org")).toBe(false);
    expect(fromReporterAddress("ada@example.org", null, "ada@example.org")).toBe(false);
  });

  it("lets a valid signature by the case's key stand in", () => {
    expect(signedByCaseKey({ signature: "valid", signerKey: "case" })).toBe(true);
    expect(signedByCaseKey({ signature: "valid", signerKey: "attached" })).toBe(false);
    expect(signedByCaseKey({ signature: "partial", signerKey: "case" })).toBe(false);
  });
});
