import { describe, expect, it } from "vitest";
import { caseLabel, caseReference, caseReferenceOf, parseCaseReference } from "./case-number.js";

describe("case references", () => {
  it("word a case number with its program's slug upper-cased", () => {
    expect(caseReference("kitsu", 12)).toBe("KITSU-12");
    expect(caseReference("rocket-chat", 3)).toBe("ROCKET-CHAT-3");
    expect(caseReferenceOf("kitsu", null)).toBeNull();
  });

  it("name a case for mail by its reference, or by its id's first 8 characters when it has no number", () => {
    expect(caseLabel({ id: "7f3a9c12deadbeef", program: "kitsu", number: 12 })).toBe("KITSU-12");
    expect(caseLabel({ id: "7f3a9c12deadbeef", program: "kitsu", number: null })).toBe("7f3a9c12");
    expect(caseLabel({ id: "7f3a9c12deadbeef", program: "kitsu" })).toBe("7f3a9c12");
  });

  it("read KITSU-12 in any case, #12 alone, and nothing else", () => {
    expect(parseCaseReference("KITSU-12")).toEqual({ program: "kitsu", number: 12 });
    expect(parseCaseReference(" kitsu-12 ")).toEqual({ program: "kitsu", number: 12 });
    expect(parseCaseReference("Rocket-Chat-3")).toEqual({ program: "rocket-chat", number: 3 });
    expect(parseCaseReference("#12")).toEqual({ number: 12 });
    for (const text of [
      "",
      "12",
      "#",
      "#0",
      "KITSU-0",
      "KITSU-",
      "-12",
      "stored xss",
      "KITSU 12",
      "#99999999999",
    ]) {
      expect(parseCaseReference(text), text).toBeUndefined();
    }
  });
});
