export { CWE_KINDS, CWE_USAGES, type CweKind, type CweUsage } from "./catalogue-source.js";
export {
  CWE_CATALOGUE_SOURCE,
  CWE_TOP_25,
  CWE_TOP_25_NAME,
  type CweEntry,
  cweCatalogue,
  findCwe,
  isKnownCwe,
  parseCweId,
  searchCwe,
} from "./cwe.js";
