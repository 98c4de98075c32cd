import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Duration, OpenPgpKeyRef } from "./schema.js";
import { schemaKeyPaths, usedKeyPaths } from "./schema-keys.js";

describe("the policy schema's key paths", () => {
  const paths = schemaKeyPaths();

  it("names leaves through lists, defaults and optional sections", () => {
    for (const path of [
      "schemaVersion",
      "program.slug",
      "contacts[].roles",
      "serviceLevels.calendar.workingHours.start",
      "serviceLevels.clocks[].within",
      "escalation[].repeat.every",
      "incident.register.dueDateRequired",
      "disclosure.phases[].actions[].kind",
      "recognition.credit.places[].url",
    ]) {
      expect(paths).toContain(path);
    }
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("counts a duration and an OpenPGP key reference as one key each, and containers as none", () => {
    expect(paths).toContain("contacts[].openpgpKey");
    expect(paths).toContain("encryption.openpgpKey");
    expect(paths.filter((path) => /\.(hours|businessDays|armored|file)$/.test(path))).toEqual([]);
    for (const container of [
      "program",
      "incident",
      "incident.register",
      "contacts[]",
      "serviceLevels.calendar",
    ]) {
      expect(paths).not.toContain(container);
    }
  });

  it("goes through default, optional, refine, superRefine and extend", () => {
    const Base = z.strictObject({ id: z.string(), within: Duration.optional() });
    const schema = z.strictObject({
      a: z
        .strictObject({ b: z.boolean().default(false) })
        .refine(() => true)
        .optional(),
      list: z.array(Base.extend({ reason: z.string().optional() })).default([]),
      tags: z.array(z.string()).min(1),
      key: OpenPgpKeyRef.optional().meta({ description: "a copy made by meta" }),
      every: Duration.meta({ description: "a copy" }).refine(() => true),
      checked: z
        .strictObject({ c: z.number() })
        .superRefine(() => undefined)
        .default({ c: 1 }),
    });
    expect(schemaKeyPaths(schema)).toEqual([
      "a.b",
      "list[].id",
      "list[].within",
      "list[].reason",
      "tags",
      "key",
      "every",
      "checked.c",
    ]);
  });
});

describe("the key paths a policy file uses", () => {
  const known = new Set([
    "program.slug",
    "contacts[].id",
    "contacts[].openpgpKey",
    "serviceLevels.clocks[].within",
  ]);

  it("lists what the file writes, lists collapsed to [], values whole, unknown keys left out", () => {
    const used = usedKeyPaths(
      {
        program: { slug: "acme", nickname: "x" },
        contacts: [{ id: "a", openpgpKey: { url: "https://acme.example/key.asc" } }, { id: "b" }],
        serviceLevels: { clocks: [{ within: { businessDays: 1 } }] },
      },
      known,
    );
    expect(used.sort()).toEqual([
      "contacts[].id",
      "contacts[].openpgpKey",
      "program.slug",
      "serviceLevels.clocks[].within",
    ]);
  });

  it("leaves out what defaults would fill in", () => {
    expect(usedKeyPaths({ program: { slug: "acme" }, contacts: [] }, known)).toEqual(["program.slug"]);
  });
});
