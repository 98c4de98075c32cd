/**
 * The slug of a public announcement: the last part of its address, /p/{program}/announcements/{slug}.
 * Lowercase ASCII letters, digits and single hyphens between them, at most 80 characters, so an
 * address is readable, never needs escaping and means the same to every browser.
 */
export const SLUG_MAX = 80;

/** Letters and digits, in groups joined by single hyphens. Linear: the groups cannot overlap. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isValidSlug(value: string): boolean {
  return value.length <= SLUG_MAX && SLUG.test(value);
}

/**
 * A slug made from a title: accents dropped (é → e), anything but letters and digits becomes a
 * hyphen, cut at a hyphen to fit. Empty when the title has no ASCII letter or digit.
 */
export function slugFromTitle(title: string): string {
  const words = title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
  let slug = "";
  for (const word of words) {
    const next = slug === "" ? word : `${slug}-${word}`;
    if (next.length > SLUG_MAX) return slug === "" ? word.slice(0, SLUG_MAX) : slug;
    slug = next;
  }
  return slug;
}
