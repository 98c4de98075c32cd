import type { LoadedPolicy } from "../../policy/loader.js";
import { PolicyArticle } from "../../policy/render/html.js";
import { type Outline, policyOutline } from "../../policy/render/outline.js";
import { StaffLayout } from "./staff-common.js";

/**
 * The whole policy of a program, as its team keeps it (GET /admin/policies/{program}): what the
 * public page promises, and how the team keeps it: who is reminded and alerted when a promise
 * runs late, the incident checklists and register, the notifications and the team.
 */
export function PolicyTeamPage(props: {
  csrfToken: string;
  email: string;
  program: LoadedPolicy;
  reportFormUrl: string;
}) {
  const { policy } = props.program;
  const slug = policy.program.slug;
  const whole = policyOutline(policy, {
    reportFormUrl: props.reportFormUrl,
    reportFormHref: `/p/${slug}/report`,
    audience: "team",
  });
  const outline: Outline = {
    ...whole,
    title: `${whole.title}: the team's view`,
    intro: [
      [
        "The whole policy, for the team. The ",
        { text: "public policy page", href: `/p/${slug}` },
        ", SECURITY.md and policy.json show reporters what they are promised, and leave out how the team keeps it: escalation, the incident checklists and register, notifications and the team.",
      ],
      ...whole.intro,
    ],
  };
  return (
    <StaffLayout title={outline.title} csrfToken={props.csrfToken} email={props.email}>
      <PolicyArticle outline={outline} />
    </StaffLayout>
  );
}
