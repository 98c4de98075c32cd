import { describe, expect, it } from "vitest";
import { mailboxOf } from "./answer-limits.js";

describe("mailboxOf", () => {
  it("counts an address with its +tag and in any case as one mailbox", () => {
    expect(mailboxOf("Victim+1@Example.com")).toBe("victim@example.com");
    expect(mailboxOf("victim@example.com")).toBe("victim@example.com");
    expect(mailboxOf("+x@example.com")).toBe("+x@example.com");
  });
});
