import { NOTIFY_ROLES, type Policy } from "./schema.js";
import { closestMatch } from "./suggest.js";

/** A problem found by looking across sections of a valid-shaped policy; located by the caller. */
export interface ReferenceProblem {
  path: (string | number)[];
  message: string;
  suggestion?: string;
}

/**
 * Checks that need the whole document: ids are unique where they are referenced, every
 * reference names something that exists, and the program can actually receive a report.
 */
export function referenceProblems(policy: Policy): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];

  const uniqueIds = (items: { id: string }[], path: (string | number)[], what: string) => {
    const firstIndex = new Map<string, number>();
    items.forEach((item, index) => {
      const earlier = firstIndex.get(item.id);
      if (earlier === undefined) firstIndex.set(item.id, index);
      else
        problems.push({
          path: [...path, index, "id"],
          message: `duplicate ${what} id "${item.id}"; it is already used at ${path.join(".")}[${earlier}]`,
        });
    });
  };

  uniqueIds(policy.contacts, ["contacts"], "contact");
  uniqueIds(policy.channels, ["channels"], "channel");
  uniqueIds(policy.reportTemplate.fields, ["reportTemplate", "fields"], "field");
  uniqueIds(policy.scope.inScope, ["scope", "inScope"], "asset");
  uniqueIds(policy.serviceLevels.clocks, ["serviceLevels", "clocks"], "clock");
  uniqueIds(policy.incident.phases, ["incident", "phases"], "phase");
  uniqueIds(policy.disclosure.phases, ["disclosure", "phases"], "phase");

  const inScopeIds = new Set(policy.scope.inScope.map((asset) => asset.id));
  policy.scope.outOfScope.forEach((asset, index) => {
    if (inScopeIds.has(asset.id)) {
      problems.push({
        path: ["scope", "outOfScope", index, "id"],
        message: `asset id "${asset.id}" is both in scope and out of scope`,
      });
    }
  });

  const contactIds = policy.contacts.map((contact) => contact.id);
  const reserved = new Set<string>(NOTIFY_ROLES);
  policy.contacts.forEach((contact, index) => {
    if (reserved.has(contact.id)) {
      problems.push({
        path: ["contacts", index, "id"],
        message: `"${contact.id}" is reserved for notification lists; choose another contact id`,
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

  const clockIds = policy.serviceLevels.clocks.map((clock) => clock.id);
  const escalatedClocks = new Map<string, number>();
  policy.escalation.forEach((rule, index) => {
    const base = ["escalation", index];
    if (!clockIds.includes(rule.clock)) {
      const suggestion = closestMatch(rule.clock, clockIds);
      problems.push({
        path: [...base, "clock"],
        message: `"${rule.clock}" is not a clock of this policy; expected one of: ${clockIds.join(", ")}`,
        ...(suggestion === undefined ? {} : { suggestion }),
      });
    }
    const earlier = escalatedClocks.get(rule.clock);
    if (earlier !== undefined) {
      problems.push({
        path: [...base, "clock"],
        message: `clock "${rule.clock}" already has an escalation at escalation[${earlier}]`,
      });
    } else {
      escalatedClocks.set(rule.clock, index);
    }
    for (const step of ["warn", "breach", "repeat"] as const) {
      rule[step]?.notify.forEach((id, i) => {
        contactReference(id, [...base, step, "notify", i], true);
      });
    }
  });

  const register = policy.incident.register;
  if (register?.defaultAssignee !== undefined) {
    contactReference(register.defaultAssignee, ["incident", "register", "defaultAssignee"], false);
  }

  const takesReports = policy.channels.some((channel) => channel.active && channel.purposes.includes("reports"));
  if (!takesReports) {
    problems.push({
      path: ["channels"],
      message: 'no active channel has the purpose "reports": a reporter would have no way to reach the team',
    });
  }

  if (policy.encryption.reports === "required" && policy.encryption.openpgpKey === undefined) {
    problems.push({
      path: ["encryption", "reports"],
      message: "encrypted reports are required, but encryption.openpgpKey gives no key to encrypt them to",
    });
  }

  return problems;
}
