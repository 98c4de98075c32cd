import type { Policy } from "../schema.js";

/**
 * The policy as `policy render --format json` publishes it (policy.json): the normalized policy,
 * defaults filled in, less what only the team keeps (src/policy/render/team-outline.ts says it
 * in words). policy.json is one of the published formats, set beside SECURITY.md and the policy
 * page, so it promises what they promise and no more: no escalation chain, no notification
 * routing (a webhook URL in a policy file is a secret), no team or its groups, no advisory
 * procedure, no incident checklists and no register rules but the reporter's agreement. What is
 * left still validates against the policy schema (its defaults fill the gaps back in when read).
 */
export function publicPolicy(policy: Policy): PublicPolicy {
  const { team: _team, escalation: _escalation, notifications: _notifications, ...rest } = policy;
  const { advisories: _advisories, ...disclosure } = policy.disclosure;
  const { register, phases, ...incident } = policy.incident;
  const agreement = register?.reporterAgreement;
  return {
    ...rest,
    incident: {
      ...incident,
      phases: phases.map(
        ({ questions: _questions, tasks: _tasks, relatedCasesTask: _related, ...phase }) => phase,
      ),
      ...(agreement === undefined ? {} : { register: { reporterAgreement: agreement } }),
    },
    disclosure,
  };
}

type Incident = Policy["incident"];
type PublicPhase = Omit<Incident["phases"][number], "questions" | "tasks" | "relatedCasesTask">;

export type PublicPolicy = Omit<
  Policy,
  "team" | "escalation" | "notifications" | "incident" | "disclosure"
> & {
  incident: Omit<Incident, "register" | "phases"> & {
    phases: PublicPhase[];
    register?: Pick<NonNullable<Incident["register"]>, "reporterAgreement">;
  };
  disclosure: Omit<Policy["disclosure"], "advisories">;
};
