import { z } from "zod";
import { PolicySchema } from "./schema.js";

/** The JSON Schema of a policy file as an author writes it (defaults optional), for editors. */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(PolicySchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }),
    $id: "https://embargo.dev/schemas/policy-v1.json",
  };
}
