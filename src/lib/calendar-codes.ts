/**
 * The codes a business calendar is named by: an IANA time zone and a `date-holidays` country.
 * Both the policy schema (checking a policy file) and the domain's calendar (computing with it)
 * check them, and the policy must not import the domain, so the checks live here, below both.
 * Pure: no I/O (ICU and the holiday catalogue ship inside Node and the package).
 */
import Holidays from "date-holidays";

/** Zones seen valid: the business calendar checks its zone on every call, so skip ICU's lookup. */
const validZones = new Set<string>();

/** True when `tz` is an IANA time-zone name (or alias such as "UTC") that this runtime's ICU knows. */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== "string" || tz.trim() === "") return false;
  if (validZones.has(tz)) return true;
  try {
    // Throws a RangeError for a zone ICU does not know; constructing is the only portable check.
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    return false;
  }
  validZones.add(tz);
  return true;
}

export interface ParsedCountry {
  country: string;
  state?: string;
  region?: string;
}

const COUNTRY_CODE = /^([A-Za-z]{2})(?:-([A-Za-z0-9]{1,3})(?:-([A-Za-z0-9]{1,10}))?)?$/;

let catalogue: Holidays | undefined;
function catalogueInstance(): Holidays {
  catalogue ??= new Holidays();
  return catalogue;
}

function hasKey(record: Record<string, string> | undefined, key: string): boolean {
  return record !== undefined && Object.hasOwn(record, key);
}

/**
 * Parses "DE", "US-CA" or "US-LA-NO" (country, state, region). Returns a human-readable problem instead
 * when the code is malformed or `date-holidays` does not know it.
 */
export function parseHolidayCountry(code: string): ParsedCountry | string {
  const m = typeof code === "string" ? COUNTRY_CODE.exec(code.trim()) : null;
  if (m === null) {
    return `holidayCountry ${JSON.stringify(code)} must look like "DE", "US-CA" (country-state) or "US-LA-NO" (country-state-region)`;
  }
  const country = (m[1] ?? "").toUpperCase();
  const state = m[2]?.toUpperCase();
  const region = m[3]?.toUpperCase();
  const hd = catalogueInstance();
  if (!hasKey(hd.getCountries(), country)) {
    return `holidayCountry ${JSON.stringify(code)}: unknown country "${country}" (not supported by date-holidays)`;
  }
  if (state === undefined) return { country };
  if (!hasKey(hd.getStates(country), state)) {
    return `holidayCountry ${JSON.stringify(code)}: unknown state/region "${state}" of ${country} (not supported by date-holidays)`;
  }
  if (region === undefined) return { country, state };
  if (!hasKey(hd.getRegions(country, state), region)) {
    return `holidayCountry ${JSON.stringify(code)}: unknown region "${region}" of ${country}-${state} (not supported by date-holidays)`;
  }
  return { country, state, region };
}
