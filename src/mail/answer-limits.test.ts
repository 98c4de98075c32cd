import { describe, expect, it } from "vitest";
import { mailboxOf } from "./answer-limits.js";

describe("mailboxOf", () => {
  it("counts an address with its +tag and in any case as one mailbox", () => {
    expect(mailboxOf("Victim+1@Example.com")).toBe("victim@example.com");
    expect(mailboxOf("victim@example.com")).toBe("victim@example.com");
    // Ways of writing one mailbox that an attacker rotated to get fresh allowances (attack review).
    expect(mailboxOf('"victim"@example.com')).toBe("victim@example.com");
    expect(mailboxOf('"v\\ictim"@example.com')).toBe("victim@example.com");
    expect(mailboxOf('"victim+2"@Example.com.')).toBe("victim@example.com");
    expect(mailboxOf("+x@example.com")).toBe("+x@example.com");
  });
});
