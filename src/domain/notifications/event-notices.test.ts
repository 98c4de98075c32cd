import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../../test/support/acme-policy.js";
import type { Policy } from "../../policy/schema.js";
import { type CaseEventFact, planEventNotices } from "./event-notices.js";
import type { CasePeople } from "./recipients.js";

/** A program with a chat room (not confidential) and a private webhook marked confidential. */
function policy(): Policy {
  return acmePolicy({
    notifications: {
      webhooks: [
        { id: "room", format: "slack", url: "https://chat.example/hook", topics: ["case-changes"] },
        {
          id: "vault",
          format: "generic",
          url: "https://vault.example/hook",
          topics: ["case-changes"],
          confidential: true,
        },
      ],
    },
  });
}

const PEOPLE: CasePeople = {
  assignee: { id: "u2", email: "bo@acme.example" },
  followers: [{ id: "u3", email: "cy@acme.example" }],
  reporterEmail: null,
};
const NAMES = new Map([
  ["u1", "al@acme.example"],
  ["u2", "bo@acme.example"],
  ["u3", "cy@acme.example"],
]);
const nameOf = (id: string | null) => (id === null ? "Someone" : (NAMES.get(id) ?? "A team member"));

describe("how case-change notices name team members", () => {
  const events: CaseEventFact[] = [
    { seq: 2, type: "case.assigned", actor: "team:u1", payload: { to: "u2" } },
    { seq: 3, type: "team.reply", actor: "team:u1", payload: { text: "Fixed in 1.2." } },
  ];
  const notices = planEventNotices(policy(), events, PEOPLE, nameOf);
  const linesFor = (key: string) =>
    notices
      .find(
        (n) =>
          (n.recipient.kind === "webhook" ? n.recipient.id : "email" in n.recipient && n.recipient.email) ===
          key,
      )
      ?.lines.map((line) => line.text);

  it("a webhook that is not confidential reads 'A team member', never an address", () => {
    expect(linesFor("room")).toEqual([
      "A team member assigned the case to a team member.",
      "A team member replied to the reporter.",
    ]);
    const room = JSON.stringify(
      notices.find((n) => n.recipient.kind === "webhook" && n.recipient.id === "room"),
    );
    expect(room).not.toMatch(/@acme\.example/);
  });

  it("the team's email and a confidential webhook name them", () => {
    const named = [
      "al@acme.example assigned the case to bo@acme.example.",
      "al@acme.example replied to the reporter.",
    ];
    expect(linesFor("vault")).toEqual(named);
    expect(linesFor("cy@acme.example")).toEqual(named);
    expect(linesFor("bo@acme.example")).toEqual(named);
  });

  it("something not done by a team member reads 'Someone' on every channel", () => {
    const system: CaseEventFact[] = [{ seq: 4, type: "case.acknowledged", actor: "system", payload: {} }];
    const texts = planEventNotices(policy(), system, PEOPLE, nameOf).map((n) => n.lines[0]?.text);
    expect(new Set(texts)).toEqual(new Set(["Someone acknowledged the report."]));
  });
});
