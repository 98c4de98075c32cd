import type { LoadedPolicy } from "../../policy/loader.js";
import { PolicyArticle } from "../../policy/render/html.js";
import { policyOutline } from "../../policy/render/outline.js";
import { Layout } from "./layout.js";

/**
 * The public policy page: what the reporter is promised (the team's view of the whole policy is
 * src/web/views/policy-team-page.tsx). The report form is linked by path, so the link works
 * whatever the scheme and host the page was reached by; its absolute URL is shown to copy.
 */
export function PolicyPage({ program, reportFormUrl }: { program: LoadedPolicy; reportFormUrl: string }) {
  const { policy } = program;
  const reportFormHref = `/p/${policy.program.slug}/report`;
  return (
    <Layout title={`${policy.program.name} security policy`} lang={policy.program.languages[0] ?? "en"}>
      <PolicyArticle
        outline={policyOutline(policy, { reportFormUrl, reportFormHref })}
        lead={
          <p class="call-to-action">
            <a href={reportFormHref} class="button">
              Report a vulnerability privately
            </a>
          </p>
        }
      />
      <p class="meta">
        Machine-readable: <a href={`/p/${policy.program.slug}/security.txt`}>security.txt</a>
      </p>
      {policy.disclosure.publicAnnouncement ? (
        <p class="meta">
          <a href={`/p/${policy.program.slug}/announcements`}>Security announcements</a>
        </p>
      ) : null}
    </Layout>
  );
}

export function ProgramIndex({ programs }: { programs: LoadedPolicy[] }) {
  return (
    <Layout title="Security programs">
      <h1>Security programs</h1>
      <ul>
        {programs.map((p) => (
          <li>
            <a href={`/p/${p.policy.program.slug}`}>{p.policy.program.name}</a>
          </li>
        ))}
      </ul>
    </Layout>
  );
}
