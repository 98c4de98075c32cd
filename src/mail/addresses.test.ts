import { describe, expect, it } from "vitest";
import { messageIdFor, parseReplyAddress, replyAddress } from "./addresses.js";

const TOKEN = "abcdefghijklmnop01234567";
const KEY = Buffer.alloc(32, 1);

describe("replyAddress / parseReplyAddress", () => {
  it("adds the token as a subaddress and reads it back", () => {
    const address = replyAddress("Security@Acme.Example", TOKEN);
    expect(address).toBe(`Security+${TOKEN}@acme.example`);
    expect(parseReplyAddress(address)).toEqual({ base: "security@acme.example", token: TOKEN });
  });

  it("reads tokens case-insensitively, in angle brackets, after a + already in the base", () => {
    expect(parseReplyAddress(`<SECURITY+${TOKEN.toUpperCase()}@ACME.EXAMPLE>`)).toEqual({
      base: "security@acme.example",
      token: TOKEN,
    });
    const address = replyAddress("psirt+intake@acme.example", TOKEN);
    expect(parseReplyAddress(address)).toEqual({ base: "psirt+intake@acme.example", token: TOKEN });
  });

  it("returns null for addresses without a valid token", () => {
    expect(parseReplyAddress("security@acme.example")).toBeNull();
    expect(parseReplyAddress("security+short@acme.example")).toBeNull();
    expect(parseReplyAddress(`security+${TOKEN}x@acme.example`)).toBeNull();
    expect(parseReplyAddress(`security+${TOKEN.slice(1)}_@acme.example`)).toBeNull();
    expect(parseReplyAddress(`+${TOKEN}@acme.example`)).toBeNull();
    expect(parseReplyAddress("not an address")).toBeNull();
  });

  it("rejects bad tokens and addresses when building", () => {
    expect(() => replyAddress("security@acme.example", "UPPER0CASE0TOKEN00000000")).toThrow(RangeError);
    expect(() => replyAddress("security@acme.example", "short")).toThrow(RangeError);
    expect(() => replyAddress("Acme <security@acme.example>", TOKEN)).toThrow(RangeError);
    expect(() => replyAddress(`${"x".repeat(40)}@acme.example`, TOKEN)).toThrow(/too long/);
  });
});

describe("messageIdFor", () => {
  it("is stable per key, differs between keys, and cannot be computed without the mail key", () => {
    const id = messageIdFor(KEY, "case:42:ack", "acme.example");
    expect(messageIdFor(Buffer.alloc(32, 2), "case:42:ack", "acme.example")).not.toBe(id);
    expect(id).toMatch(/^<[0-9a-f]{32}@acme\.example>$/);
    expect(messageIdFor(KEY, "case:42:ack", "ACME.example")).toBe(id);
    expect(messageIdFor(KEY, "case:42:ack:2", "acme.example")).not.toBe(id);
  });

  it("rejects a domain that would break the header", () => {
    expect(() => messageIdFor(KEY, "k", "acme.example>\r\nBcc: x")).toThrow(RangeError);
  });
});
