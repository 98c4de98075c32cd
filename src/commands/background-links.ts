import { z } from "zod";
import type { Policy } from "../policy/schema.js";
import type { Json } from "../store/canonical-json.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import type { NewEvent } from "../store/event-log.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, runCaseCommand } from "./case-change.js";

/**
 * A case's background links (`incident.register.backgroundLinks`): where the incident came from
 * or is discussed (a support ticket, an alert, an issue). Each change is one internal event whose
 * encrypted payload holds what was added or removed and the whole list after the change, so the
 * current list is the latest such event's `links`: no column, no migration, and the history is the
 * case's own hash-chained timeline.
 *
 * Only http and https URLs are kept, at most MAX_BACKGROUND_LINKS of at most MAX_LINK_CHARS each,
 * stored as the URL parser writes them (lower-case scheme and host, IDN hosts in punycode), so a
 * page renders exactly what was checked.
 */

export const MAX_BACKGROUND_LINKS = 20;
export const MAX_LINK_CHARS = 2_000;

/** The event type; internal (not in REPORTER_VISIBLE_EVENTS). */
export const BACKGROUND_LINKS_EVENT = "case.background_links_changed";

export const backgroundLinksPayload = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  links: z.array(z.string()),
});

/** The form field (and API field) that shows a refused link. */
export const LINK_FIELD = "background-link";

// Whitespace, control and format characters (bidi overrides, zero-width): a URL is one word.
const SPACE_OR_CONTROL = /[\s\p{Cc}\p{Cf}]/u;
const HTTP_SCHEME = /^https?:\/\//i;

export type LinkCheck = { ok: true; url: string } | { ok: false; message: string };

/** One link as a person typed it: the URL to keep, or why not. */
export function checkBackgroundLink(typed: string): LinkCheck {
  const text = typed.trim();
  if (text === "") return { ok: false, message: "Give the link's address (https://…)." };
  if (text.length > MAX_LINK_CHARS)
    return {
      ok: false,
      message: `A link may have at most ${MAX_LINK_CHARS.toLocaleString("en")} characters.`,
    };
  // The scheme as typed, before the parser's own reading of it: no javascript:, data:, file:, …
  if (!HTTP_SCHEME.test(text) || SPACE_OR_CONTROL.test(text))
    return { ok: false, message: "A link must be a web address starting with https:// or http://." };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: "A link must be a web address starting with https:// or http://." };
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "")
    return { ok: false, message: "A link must be a web address starting with https:// or http://." };
  // A password in a link would sit in every case page and export; a user name is how one is hidden.
  if (url.username !== "" || url.password !== "")
    return { ok: false, message: "A link may not hold a user name or password." };
  if (url.href.length > MAX_LINK_CHARS)
    return {
      ok: false,
      message: `A link may have at most ${MAX_LINK_CHARS.toLocaleString("en")} characters.`,
    };
  return { ok: true, url: url.href };
}

/** Whether a stored link may be rendered as a link (the page checks again: never javascript:). */
export function isWebLink(url: string): boolean {
  const check = checkBackgroundLink(url);
  return check.ok && check.url === url;
}

/**
 * Several links at once (a new incident's): the URLs to keep, each once and in order, or the first
 * problem. Empty lines are skipped.
 */
export function checkBackgroundLinks(
  typed: readonly string[],
): { ok: true; urls: string[] } | { ok: false; message: string } {
  const given = typed.map((line) => line.trim()).filter((line) => line !== "");
  if (given.length > MAX_BACKGROUND_LINKS)
    return { ok: false, message: `At most ${MAX_BACKGROUND_LINKS} background links.` };
  const urls: string[] = [];
  for (const line of given) {
    const checked = checkBackgroundLink(line);
    if (!checked.ok) return checked;
    if (!urls.includes(checked.url)) urls.push(checked.url);
  }
  return { ok: true, urls };
}

/** The case's links now, from its events (oldest first): the latest change's list. */
export function currentBackgroundLinks(events: readonly { type: string; payload: Json }[]): string[] {
  const latest = events.findLast((event) => event.type === BACKGROUND_LINKS_EVENT);
  return latest === undefined ? [] : backgroundLinksPayload.parse(latest.payload).links;
}

/** The event of one change to the list. */
export function backgroundLinksEvent(
  actor: TeamActor,
  at: Date,
  change: { added: string[]; removed: string[]; links: string[] },
): NewEvent {
  return { type: domainEventType(BACKGROUND_LINKS_EVENT), actor, at, payload: change };
}

export interface BackgroundLinkRequest {
  action: "add" | "remove";
  url: string;
}

/**
 * Adds a link to the case's list or removes one. Adding a link already there, or removing one
 * that is not, writes nothing. Refused (400, naming the field) when the program keeps no
 * background links, for a link that is not an http(s) URL, and for a 21st link.
 */
export async function changeBackgroundLinks(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: BackgroundLinkRequest,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  if (policy.incident.register?.backgroundLinks !== true)
    throw new InvalidCaseCommandError(LINK_FIELD, "this program keeps no background links");
  let url = request.url.trim();
  if (request.action === "add") {
    const checked = checkBackgroundLink(url);
    if (!checked.ok) throw new InvalidCaseCommandError(LINK_FIELD, checked.message);
    url = checked.url;
  } else if (url.length > MAX_LINK_CHARS) {
    // No stored link is that long: nothing to remove, and nothing that long is read further.
    return { changed: false };
  }
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const links = currentBackgroundLinks(
      await caseEventsOfTypes(trx, deps.keyring, row.id, [BACKGROUND_LINKS_EVENT]),
    );
    const has = links.includes(url);
    if (request.action === "add" ? has : !has) return { result: { changed: false }, events: [] };
    if (request.action === "add" && links.length >= MAX_BACKGROUND_LINKS)
      throw new InvalidCaseCommandError(
        LINK_FIELD,
        `a case has at most ${MAX_BACKGROUND_LINKS} background links: remove one first`,
      );
    const change =
      request.action === "add"
        ? { added: [url], removed: [], links: [...links, url] }
        : { added: [], removed: [url], links: links.filter((link) => link !== url) };
    return { result: { changed: true }, events: [backgroundLinksEvent(actor, at, change)] };
  });
}
