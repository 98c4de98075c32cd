import { describe, expect, it } from "vitest";
import {
  currentIntent,
  decideIntent,
  parseDay,
  planPublicationDate,
  publicationClock,
} from "./reporter-warning.js";

const NOW = new Date("2026-12-02T10:00:00Z");
const written = { written: true, text: null };

describe("the reporter's warning before they publish", () => {
  it("takes a real day from today to two years ahead, and a message when it must be written", () => {
    expect(decideIntent(written, { publishOn: "2026-12-02", message: "m" }, NOW)).toMatchObject({
      ok: true,
      publishesAt: new Date("2026-12-02T00:00:00Z"),
    });
    expect(decideIntent(written, { publishOn: "2026-12-01", message: "m" }, NOW)).toMatchObject({
      ok: false,
      field: "publish-on",
    });
    expect(decideIntent(written, { publishOn: "2028-12-02", message: "m" }, NOW).ok).toBe(true);
    expect(decideIntent(written, { publishOn: "2028-12-03", message: "m" }, NOW).ok).toBe(false);
    expect(decideIntent(written, { publishOn: "2026-12-20", message: " " }, NOW)).toMatchObject({
      ok: false,
      field: "message",
    });
    expect(
      decideIntent({ written: false, text: null }, { publishOn: "2026-12-20", message: "" }, NOW).ok,
    ).toBe(true);
    expect(decideIntent(written, { publishOn: "2026-12-20", message: "x".repeat(5_001) }, NOW).ok).toBe(
      false,
    );
    for (const bad of ["2026-02-29", "2026-13-01", "26-12-20", "2026-12-20T00:00", ""])
      expect(parseDay(bad)).toBeNull();
  });

  it("the latest statement stands; its clock runs to the day, and the team is told once per date", () => {
    const events = [
      { type: "reporter.publication_intent", at: NOW, payload: { publishOn: "2026-12-20", message: "a" } },
      { type: "reporter.publication_intent", at: NOW, payload: { publishOn: null, message: "" } },
    ];
    expect(currentIntent(events)).toBeNull();
    const intent = currentIntent(events.slice(0, 1));
    expect(publicationClock(intent, null, NOW)).toMatchObject({ state: "running", text: "in 17 d" });
    expect(publicationClock(intent, null, new Date("2026-12-21T00:00:00Z"))).toMatchObject({
      state: "overdue",
    });
    expect(publicationClock(intent, NOW, NOW)).toMatchObject({ state: "met" });
    const row = { reporterPublishesAt: "2026-12-20T00:00:00.000Z", state: "triaged" };
    expect(planPublicationDate("c", row, new Set(), NOW)).toEqual({
      take: null,
      nextAt: new Date(row.reporterPublishesAt),
    });
    const later = new Date("2026-12-20T00:00:00Z");
    const key = "c:reporter-publishes:2026-12-20T00:00:00.000Z";
    expect(planPublicationDate("c", row, new Set(), later).take?.idempotencyKey).toBe(key);
    expect(planPublicationDate("c", row, new Set([key]), later).take).toBeNull();
    expect(planPublicationDate("c", { ...row, state: "closed" }, new Set(), later).take).toBeNull();
  });
});
