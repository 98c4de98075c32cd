/**
 * Well-formed language tags per RFC 5646 §2.1 (case-insensitive):
 *
 *   langtag    = language ["-" script] ["-" region] *("-" variant) *("-" extension) ["-" privateuse]
 *   language   = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
 *   extlang    = 3ALPHA *2("-" 3ALPHA)
 *   script     = 4ALPHA
 *   region     = 2ALPHA / 3DIGIT
 *   variant    = 5*8alphanum / (DIGIT 3alphanum)
 *   extension  = singleton 1*("-" (2*8alphanum))     ; singleton is any alphanum but "x"
 *   privateuse = "x" 1*("-" (1*8alphanum))
 *
 * plus the grandfathered tags. Whether subtags are registered with IANA is not checked.
 */
const LANGUAGE = "(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})";
const SCRIPT = "(?:-[a-z]{4})?";
const REGION = "(?:-(?:[a-z]{2}|[0-9]{3}))?";
const VARIANTS = "(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*";
const EXTENSIONS = "(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*";
const PRIVATE_USE = "x(?:-[a-z0-9]{1,8})+";

const GRANDFATHERED = new Set(
  [
    "en-GB-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-BE-FR",
    "sgn-BE-NL",
    "sgn-CH-DE",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
  ].map((tag) => tag.toLowerCase()),
);

const TAG = new RegExp(
  `^(?:${LANGUAGE}${SCRIPT}${REGION}${VARIANTS}${EXTENSIONS}(?:-${PRIVATE_USE})?|${PRIVATE_USE})$`,
  "i",
);

export function isLanguageTag(tag: string): boolean {
  if (GRANDFATHERED.has(tag.toLowerCase())) return true;
  if (!TAG.test(tag)) return false;
  const subtags = tag.toLowerCase().split("-");
  if (subtags[0] === "x") return true; // Private use only: anything goes.
  // RFC 5646 §2.2.5/§2.2.6: a variant, or an extension singleton, must not repeat within a tag.
  const privateUse = subtags.indexOf("x");
  const meaningful = privateUse < 0 ? subtags : subtags.slice(0, privateUse);
  const firstSingleton = meaningful.findIndex((subtag, index) => index > 0 && subtag.length === 1);
  const head = firstSingleton < 0 ? meaningful : meaningful.slice(0, firstSingleton);
  const variants = head.slice(1).filter((subtag) => subtag.length >= 5 || /^[0-9][a-z0-9]{3}$/.test(subtag));
  const singletons = meaningful.filter((subtag, index) => index > 0 && subtag.length === 1);
  return new Set(variants).size === variants.length && new Set(singletons).size === singletons.length;
}
