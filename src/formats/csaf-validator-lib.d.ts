/**
 * Types for the parts of @secvisogram/csaf-validator-lib (plain JavaScript, no declarations) that
 * src/formats/csaf.ts uses; from the library's README ("API").
 */
declare module "@secvisogram/csaf-validator-lib/validateStrict.js" {
  export interface CsafTestResult {
    name: string;
    isValid: boolean;
    errors: { message: string; instancePath: string }[];
    warnings: { message: string; instancePath: string }[];
    infos: { message: string; instancePath: string }[];
  }
  export type DocumentTest = (doc: unknown) => unknown;
  export default function validateStrict(
    tests: readonly DocumentTest[],
    doc: unknown,
  ): Promise<{ isValid: boolean; tests: CsafTestResult[] }>;
}

declare module "@secvisogram/csaf-validator-lib/mandatoryTests.js" {
  import type { DocumentTest } from "@secvisogram/csaf-validator-lib/validateStrict.js";

  const tests: Record<string, DocumentTest>;
  export = tests;
}

declare module "@secvisogram/csaf-validator-lib/schemaTests.js" {
  import type { DocumentTest } from "@secvisogram/csaf-validator-lib/validateStrict.js";
  export const csaf_2_0_strict: DocumentTest;
  export const csaf_2_0: DocumentTest;
}

declare module "@secvisogram/csaf-validator-lib/cwe.js" {
  export const weaknesses: readonly { id: string; name: string }[];
}
