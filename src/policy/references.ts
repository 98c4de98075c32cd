import { at, type Raw, record, records, text, texts } from "./raw.js";
import { NOTIFY_ROLES } from "./schema.js";
import { closestMatch } from "./suggest.js";

/** A problem found by looking across sections of a policy; located in the file by the caller. */
export interface ReferenceProblem {
  path: (string | number)[];
  message: string;
  suggestion?: string;
}

/**
 * Checks that need the whole document: ids are unique where they are referenced, every
 * reference names something that exists, and the program can actually receive a report.
 * Works on the raw document, skipping what is malformed (the schema reports that), so these
 * problems show up together with the schema's.
 */
export function referenceProblems(doc: Raw): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];

  const uniqueIds = (path: string[], what: string): string[] => {
    const firstIndex = new Map<string, number>();
    records(at(doc, ...path)).forEach((item, index) => {
      const id = text(item?.id);
      if (id === undefined) return;
      const earlier = firstIndex.get(id);
      if (earlier === undefined) firstIndex.set(id, index);
      else
        problems.push({
          path: [...path, index, "id"],
          message: `duplicate ${what} id "${id}"; it is already used at ${path.join(".")}[${earlier}]`,
        });
    });
    return [...firstIndex.keys()];
  };

  const contactIds = uniqueIds(["contacts"], "contact");
  uniqueIds(["channels"], "channel");
  uniqueIds(["reportTemplate", "fields"], "field");
  const inScopeIds = new Set(uniqueIds(["scope", "inScope"], "asset"));
  const clockIds = uniqueIds(["serviceLevels", "clocks"], "clock");
  uniqueIds(["incident", "phases"], "phase");
  uniqueIds(["disclosure", "phases"], "phase");

  records(at(doc, "scope", "outOfScope")).forEach((asset, index) => {
    const id = text(asset?.id);
    if (id !== undefined && inScopeIds.has(id)) {
      problems.push({
        path: ["scope", "outOfScope", index, "id"],
        message: `asset id "${id}" is both in scope and out of scope`,
      });
    }
  });

  const reserved = new Set<string>(NOTIFY_ROLES);
  records(doc.contacts).forEach((contact, index) => {
    const id = text(contact?.id);
    if (id !== undefined && reserved.has(id)) {
      problems.push({
        path: ["contacts", index, "id"],
        message: `"${id}" is reserved for notification lists; choose another contact id`,
      });
    }
  });

  const contactReference = (id: string, path: (string | number)[], allowRoles: boolean) => {
    if (contactIds.includes(id) || (allowRoles && reserved.has(id))) return;
    const candidates = allowRoles ? [...contactIds, ...NOTIFY_ROLES] : contactIds;
    const suggestion = closestMatch(id, candidates);
    problems.push({
      path,
      message: `"${id}" is not a defined contact; expected one of: ${candidates.join(", ")}`,
      ...(suggestion === undefined ? {} : { suggestion }),
    });
  };

  const escalatedClocks = new Map<string, number>();
  records(doc.escalation).forEach((rule, index) => {
    const base = ["escalation", index];
    const clock = text(rule?.clock);
    if (clock !== undefined) {
      if (!clockIds.includes(clock)) {
        const suggestion = closestMatch(clock, clockIds);
        problems.push({
          path: [...base, "clock"],
          message: `"${clock}" is not a clock of this policy; expected one of: ${clockIds.join(", ") || "(no clocks defined)"}`,
          ...(suggestion === undefined ? {} : { suggestion }),
        });
      }
      const earlier = escalatedClocks.get(clock);
      if (earlier !== undefined) {
        problems.push({
          path: [...base, "clock"],
          message: `clock "${clock}" already has an escalation at escalation[${earlier}]`,
        });
      } else {
        escalatedClocks.set(clock, index);
      }
    }
    for (const step of ["warn", "breach", "repeat"] as const) {
      texts(at(rule, step, "notify")).forEach((id, i) => {
        if (id !== undefined) contactReference(id, [...base, step, "notify", i], true);
      });
    }
  });

  texts(at(doc, "notifications", "newReport")).forEach((id, i) => {
    if (id !== undefined) contactReference(id, ["notifications", "newReport", i], true);
  });
  uniqueIds(["notifications", "webhooks"], "webhook");

  // A case may be assigned to a team group: its members must be contacts, to find their accounts.
  uniqueIds(["team", "groups"], "group");
  records(at(doc, "team", "groups")).forEach((group, index) => {
    texts(group?.members).forEach((id, i) => {
      if (id !== undefined) contactReference(id, ["team", "groups", index, "members", i], false);
    });
  });

  const defaultAssignee = text(at(doc, "incident", "register", "defaultAssignee"));
  if (defaultAssignee !== undefined) {
    contactReference(defaultAssignee, ["incident", "register", "defaultAssignee"], false);
  }

  const channels = records(doc.channels);
  const takesReports = channels.some(
    (channel) => channel?.active !== false && texts(channel?.purposes).includes("reports"),
  );
  if (channels.length > 0 && !takesReports) {
    problems.push({
      path: ["channels"],
      message: 'no active channel has the purpose "reports": a reporter would have no way to reach the team',
    });
  }

  const encryption = record(doc.encryption);
  if (encryption?.reports === "required" && encryption.openpgpKey === undefined) {
    problems.push({
      path: ["encryption", "reports"],
      message: "encrypted reports are required, but encryption.openpgpKey gives no key to encrypt them to",
    });
  }

  return problems;
}
