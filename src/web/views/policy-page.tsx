import type { LoadedPolicy } from "../../policy/loader.js";
import { PolicyArticle } from "../../policy/render/html.js";
import { policyOutline } from "../../policy/render/outline.js";
import { Layout } from "./layout.js";

export function PolicyPage({ program, reportFormUrl }: { program: LoadedPolicy; reportFormUrl: string }) {
  const { policy } = program;
  return (
    <Layout title={`${policy.program.name} security policy`} lang={policy.program.languages[0] ?? "en"}>
      <p>
        <a href={`/p/${policy.program.slug}/report`} class="button">
          Report a vulnerability privately
        </a>
      </p>
      <PolicyArticle outline={policyOutline(policy, { reportFormUrl })} />
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
