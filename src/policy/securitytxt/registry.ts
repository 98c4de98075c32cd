/**
 * The fields this checker knows: the ones RFC 9116 §2.5 defines plus CSAF, which the CSAF 2.0
 * standard registered in the IANA "security.txt Fields" registry. Any other name is an extension
 * field (RFC 9116 `ext-field`) and is accepted as is.
 */
export type FieldKind = "uri" | "date-time" | "language-list";

export interface FieldSpec {
  /** The spelling used in messages. */
  name: string;
  kind: FieldKind;
  /** Must appear at least once. */
  required: boolean;
  /** Must not appear more than once. */
  single: boolean;
  /**
   * For URI fields, the allowed schemes (lower case). Undefined means any scheme, but a web URI
   * must still be https (RFC 9116: "If this field indicates a web URI, then it MUST begin with https://").
   */
  schemes?: readonly string[];
}

const SPECS: readonly FieldSpec[] = [
  { name: "Acknowledgments", kind: "uri", required: false, single: false },
  // The canonical location of a security.txt is always an https URI (RFC 9116 §3).
  { name: "Canonical", kind: "uri", required: false, single: false, schemes: ["https"] },
  { name: "Contact", kind: "uri", required: true, single: false, schemes: ["mailto", "tel", "https"] },
  { name: "CSAF", kind: "uri", required: false, single: false, schemes: ["https"] },
  {
    name: "Encryption",
    kind: "uri",
    required: false,
    single: false,
    schemes: ["https", "dns", "openpgp4fpr"],
  },
  { name: "Expires", kind: "date-time", required: true, single: true },
  { name: "Hiring", kind: "uri", required: false, single: false },
  { name: "Policy", kind: "uri", required: false, single: false },
  { name: "Preferred-Languages", kind: "language-list", required: false, single: true },
];

const BY_NAME: ReadonlyMap<string, FieldSpec> = new Map(SPECS.map((spec) => [spec.name.toLowerCase(), spec]));

/** Looks a field name up case-insensitively (RFC 9116 §2.4: field names are case-insensitive). */
export function fieldSpec(name: string): FieldSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export const FIELD_SPECS: readonly FieldSpec[] = SPECS;
