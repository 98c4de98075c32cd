/**
 * The official validators the format tests hold every export to: the bundled CVE JSON 5 schema,
 * the OSV schema, the OASIS CSAF 2.0 schema (with the FIRST CVSS schemas it references) and
 * @secvisogram/csaf-validator-lib (strict schema + mandatory tests 6.1.x). The schemas are the
 * copies in test/vectors/ (see the licence files there).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv as Ajv07, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { validateCsaf } from "../../src/formats/csaf.js";

export const VECTORS = join(import.meta.dirname, "..", "vectors");

const addFormats = addFormatsModule as unknown as (ajv: Ajv07 | Ajv2020) => void;

export function readVector(path: string): unknown {
  return JSON.parse(readFileSync(join(VECTORS, path), "utf8"));
}

function errorsOf(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""}`);
}

const cveAjv = new Ajv07({ strict: false, allErrors: true });
addFormats(cveAjv);
cveAjv.addSchema(readVector("cve-5/CVE_Record_Format_bundled.json") as object, "cve");
const cveRecord = cveAjv.getSchema("cve");
const cveCna = cveAjv.getSchema("cve#/definitions/cnaPublishedContainer");

/** Errors of a full CVE record against the bundled schema; empty when valid. */
export function cveRecordErrors(doc: unknown): string[] {
  if (cveRecord === undefined) throw new Error("the CVE schema did not compile");
  return cveRecord(doc) ? [] : errorsOf(cveRecord);
}

/** Errors of a CNA container against the schema's `cnaPublishedContainer`. */
export function cveCnaErrors(doc: unknown): string[] {
  if (cveCna === undefined) throw new Error("the CVE schema's cnaPublishedContainer did not compile");
  return cveCna(doc) ? [] : errorsOf(cveCna);
}

const osvAjv = new Ajv2020({ strict: false, allErrors: true });
addFormats(osvAjv);
const osvValidate = osvAjv.compile(readVector("osv/validation/schema.json") as object);

export function osvErrors(doc: unknown): string[] {
  return osvValidate(doc) ? [] : errorsOf(osvValidate);
}

const csafAjv = new Ajv2020({ strict: false, allErrors: true });
addFormats(csafAjv);
for (const version of ["2.0", "3.0", "3.1"]) {
  // Registered under the address the CSAF schema names; their own draft-04/07 `$schema` and `$id`
  // (draft-04 `id`) are left out so that the 2020-12 validator reads them as part of the CSAF schema.
  const {
    $schema: _draft,
    $id: _id,
    id: _draft04Id,
    ...schema
  } = readVector(`csaf-2.0/referenced_schema/first/cvss-v${version}.json`) as Record<string, unknown>;
  csafAjv.addSchema(schema, `https://www.first.org/cvss/cvss-v${version}.json`);
}
const csafSchema = csafAjv.compile(readVector("csaf-2.0/json_schema/csaf_json_schema.json") as object);

// The provider metadata schema takes `publisher` from the CSAF schema by its address, compiled above.
const providerSchema = csafAjv.compile(
  readVector("csaf-2.0/json_schema/provider_json_schema.json") as object,
);

/** Errors of a CSAF provider-metadata.json against the OASIS provider JSON schema. */
export function providerMetadataErrors(doc: unknown): string[] {
  return providerSchema(doc) ? [] : errorsOf(providerSchema);
}

/** Errors of a CSAF document against the OASIS JSON schema. */
export function csafSchemaErrors(doc: unknown): string[] {
  return csafSchema(doc) ? [] : errorsOf(csafSchema);
}

/** Failing tests (schema and mandatory) of @secvisogram/csaf-validator-lib, with their messages. */
export async function csafValidatorFailures(doc: unknown): Promise<string[]> {
  const verdict = await validateCsaf(doc);
  return verdict.failing.map((test) => `${test.id}: ${test.errors.join("; ")}`);
}
