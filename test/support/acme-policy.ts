import { type Policy, PolicySchema } from "../../src/policy/schema.js";

/**
 * A small valid program policy for unit tests ("Acme": one point of contact, one report address,
 * one field, one asset), with the sections a test is about given in `sections` (they replace the
 * base's, `contacts` included).
 */
export function acmePolicy(sections: Record<string, unknown> = {}): Policy {
  return PolicySchema.parse({
    schemaVersion: 1,
    program: { slug: "acme", name: "Acme", website: "https://acme.example" },
    contacts: [{ id: "alice", name: "Alice", roles: ["point-of-contact"], email: "alice@acme.example" }],
    channels: [
      {
        id: "mail",
        kind: "email",
        label: "Security team",
        address: "security@acme.example",
        purposes: ["reports"],
      },
    ],
    reportTemplate: {
      fields: [{ id: "description", label: "Description", kind: "long-text", required: true }],
    },
    scope: { inScope: [{ id: "acme-app", kind: "application", name: "Acme app" }] },
    ...sections,
  });
}
