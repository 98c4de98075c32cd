import { describe, expect, it } from "vitest";
import { mayHear } from "./confidential-audience.js";

describe("who hears of a confidential case", () => {
  it("the named members (by account or by a contact's address) and the reporter; no webhook", () => {
    const named = { ids: new Set(["alice"]), emails: new Set(["alice@example.org"]) };
    expect([
      mayHear({ kind: "user", id: "alice", email: "alice@example.org" }, named),
      mayHear({ kind: "user", id: "bob", email: "bob@example.org" }, named),
      mayHear({ kind: "contact", id: "lead", email: "Alice@Example.org" }, named),
      mayHear({ kind: "contact", id: "poc", email: "poc@example.org" }, named),
      mayHear({ kind: "reporter", email: "ada@example.org" }, named),
      mayHear({ kind: "webhook", id: "chat" }, named),
      mayHear({ kind: "webhook", id: "chat" }, undefined),
    ]).toEqual([true, false, true, false, true, false, true]);
  });
});
