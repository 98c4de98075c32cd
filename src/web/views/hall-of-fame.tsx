import { creditMonth } from "../../domain/credit/choice.js";
import type { PublishedCredit } from "../../domain/credit/snippet.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { Layout } from "./layout.js";

/**
 * A program's hall of fame (`GET /p/{program}/hall-of-fame`, public): the reporters credited by
 * the policy's rules for published issues, newest first, each with the month and the CVE id when
 * there is one. Nothing else of a case: no id, no title. A reporter's link is https only
 * (creditDecision keeps no other) and marked as user content the program does not vouch for.
 */
export function HallOfFamePage(props: { program: LoadedPolicy; credits: readonly PublishedCredit[] }) {
  const { policy } = props.program;
  const thanks = policy.recognition.thanks;
  return (
    <Layout title={`${policy.program.name} hall of fame`} lang={policy.program.languages[0] ?? "en"}>
      <h1>{policy.program.name} security hall of fame</h1>
      <p>
        {thanks ??
          `${policy.program.name} thanks the people who reported security issues responsibly. They are listed once the issue is published, as they chose to be named.`}
      </p>
      {props.credits.length === 0 ? (
        <p>Nobody is listed yet.</p>
      ) : (
        <ol class="hall-of-fame">
          {props.credits.map((credit) => (
            <li>
              {credit.link === null ? (
                <strong>{credit.name}</strong>
              ) : (
                <a href={credit.link} rel="nofollow ugc noopener">
                  {credit.name}
                </a>
              )}
              <span class="meta">
                {" "}
                · {credit.publishedAt === null ? "" : creditMonth(credit.publishedAt)}
                {credit.cveId === null ? null : <> · {credit.cveId}</>}
              </span>
            </li>
          ))}
        </ol>
      )}
      <p class="meta">
        <a href={`/p/${policy.program.slug}`}>{policy.program.name} security policy</a>
      </p>
    </Layout>
  );
}
