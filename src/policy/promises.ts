/**
 * "No promise without a keeper": for every key of the policy schema (src/policy/schema-keys.ts),
 * who keeps the promise it makes.
 *
 * - `enforced`: the running system acts on it (or publishes it, when publishing is the key's whole
 *   promise: a name, an address, a security.txt field, a question of the report form), and
 *   `tests` name the tests that prove it. An entry without a test says so in `missingTest`
 *   (the code keeps the promise, nothing proves it yet).
 * - `published-only`: words for people. Embargo shows them (policy page, SECURITY.md, the form,
 *   the case page) and does nothing else with them, by design.
 * - `not-yet`: parsed and then ignored today; the issue that will make Embargo keep it.
 *
 * test/policy/promise-matrix.test.ts holds this catalogue to the schema and to the test files,
 * and freezes the `not-yet` and `missingTest` keys so they can only shrink.
 * `embargo policy check --explain FILE` prints it for the keys a policy file uses.
 */
import { CLOCKS_PROMISES } from "./promises/clocks.js";
import { DISCLOSURE_PROMISES } from "./promises/disclosure.js";
import { IDENTITY_PROMISES } from "./promises/identity.js";
import { INCIDENT_PROMISES } from "./promises/incident.js";
import { INTAKE_PROMISES } from "./promises/intake.js";
import { BROKEN, enforced, type Keeper } from "./promises/keepers.js";
import { RECOGNITION_PROMISES } from "./promises/recognition.js";
import { RETENTION_PROMISES } from "./promises/retention.js";

export type { Keeper, TestRef } from "./promises/keepers.js";

export const PROMISES: Readonly<Record<string, Keeper>> = {
  schemaVersion: enforced(
    "a file of another format version is refused by `policy check` and at start",
    BROKEN,
  ),
  ...IDENTITY_PROMISES,
  ...INTAKE_PROMISES,
  ...CLOCKS_PROMISES,
  ...INCIDENT_PROMISES,
  ...DISCLOSURE_PROMISES,
  ...RECOGNITION_PROMISES,
  ...RETENTION_PROMISES,
};
