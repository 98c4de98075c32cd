import { renderToStaticMarkup } from "preact-render-to-string";
import type { AdvisoryRecord } from "../../domain/advisories/record.js";
import { atomXml } from "../../domain/announcements/atom.js";
import { safeHref } from "../../domain/announcements/markdown.js";
import type { CveExportOptions } from "../../formats/cve5.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { PublishedRevision } from "../../store/advisories.js";
import { AnnouncementBody } from "./announcement-pages.js";
import { Layout } from "./layout.js";

/**
 * A program's public advisories ("security fixes"): the index, each advisory's page (its latest
 * published revision, with the revision history) and the Atom feed. Everything shown comes from the
 * published records (`record_json`), never from a draft. The description is the Markdown subset of
 * src/domain/announcements/markdown.ts, rendered element by element (AnnouncementBody); every other
 * string goes through preact's escaping, and links are written only when safeHref keeps them.
 */

/** A stored record, as the exporters and these pages read it. */
export const recordOf = (revision: Pick<PublishedRevision, "recordJson">): AdvisoryRecord =>
  JSON.parse(revision.recordJson) as AdvisoryRecord;

export const indexUrl = (slug: string) => `/p/${slug}/advisories`;
export const advisoryUrl = (slug: string, trackingId: string) => `${indexUrl(slug)}/${trackingId}`;
const indexTitle = (program: LoadedPolicy) => `${program.policy.program.name} security fixes`;
const dateOf = (iso: string) => iso.slice(0, 10);

/**
 * The CNA the advisory's CVE record names, or null when it has none: the program is no CVE
 * Numbering Authority (`program.cna`), the advisory has no CVE id, or it lacks what a CVE record
 * requires (an affected product and a reference). The `.cve.json` document and its link both ask.
 */
export function cveOptionsOf(program: LoadedPolicy, record: AdvisoryRecord): CveExportOptions | null {
  const cna = program.policy.program.cna;
  if (cna === undefined || record.cveId === null) return null;
  if (record.products.length === 0 || record.references.length === 0) return null;
  return { orgId: cna.orgId, shortName: cna.shortName };
}

/**
 * The machine-readable forms of an advisory, beside its page. The format exporters
 * (src/formats/{cve5,osv,csaf}.ts) add theirs here: `.cve.json`, `.osv.json`, `.csaf.json`.
 * `shown`: only for the advisories that have it (the document answers 404 for the others).
 */
export const ADVISORY_FORMATS: readonly {
  suffix: string;
  label: string;
  shown?: (program: LoadedPolicy, record: AdvisoryRecord) => boolean;
}[] = [
  { suffix: ".json", label: "Advisory record (JSON)" },
  {
    suffix: ".cve.json",
    label: "CVE JSON 5 (CNA container)",
    shown: (program, record) => cveOptionsOf(program, record) !== null,
  },
  { suffix: ".osv.json", label: "OSV" },
  { suffix: ".csaf.json", label: "CSAF 2.0" },
];

function On({ iso }: { iso: string }) {
  return <time datetime={iso}>{dateOf(iso)}</time>;
}

function severityText(record: AdvisoryRecord): string {
  const scores = [
    record.cvss40 === null ? null : `CVSS 4.0 ${record.cvss40.score.toFixed(1)}`,
    record.cvss31 === null ? null : `CVSS 3.1 ${record.cvss31.score.toFixed(1)}`,
  ].filter((score): score is string => score !== null);
  const severity = record.severity ?? "not rated";
  return scores.length === 0 ? severity : `${severity} (${scores.join(", ")})`;
}

function Link({ url, text }: { url: string; text: string }) {
  const href = safeHref(url);
  return href === null ? <span>{text}</span> : <a href={href}>{text}</a>;
}

export function AdvisoryIndexPage(props: { program: LoadedPolicy; records: readonly AdvisoryRecord[] }) {
  const { program, records } = props;
  const slug = program.policy.program.slug;
  return (
    <Layout title={indexTitle(program)} lang={program.policy.program.languages[0] ?? "en"}>
      <h1>{indexTitle(program)}</h1>
      {records.length === 0 ? (
        <p>No advisories published yet.</p>
      ) : (
        <ul>
          {records.map((record) => (
            <li>
              <a href={advisoryUrl(slug, record.trackingId)}>{record.title}</a>{" "}
              <span class="meta">
                ({record.trackingId}
                {record.cveId === null ? "" : `, ${record.cveId}`}, {severityText(record)}, updated{" "}
                <On iso={record.updatedAt} />)
              </span>
            </li>
          ))}
        </ul>
      )}
      <p class="meta">
        Subscribe: <a href={`${indexUrl(slug)}.atom`}>Atom feed</a> ·{" "}
        <a href={`/p/${slug}`}>{program.policy.program.name} security policy</a>
      </p>
    </Layout>
  );
}

/** The advisory's own text: summary, description, facts, products, references, credits. */
function AdvisoryBody({ record }: { record: AdvisoryRecord }) {
  return (
    <>
      <p>{record.summary}</p>
      <AnnouncementBody markdown={record.description} />
    </>
  );
}

export function AdvisoryPublicPage(props: { program: LoadedPolicy; record: AdvisoryRecord }) {
  const { program, record } = props;
  const slug = program.policy.program.slug;
  const page = advisoryUrl(slug, record.trackingId);
  return (
    <Layout
      title={`${record.title} · ${record.trackingId}`}
      lang={program.policy.program.languages[0] ?? "en"}
    >
      <p class="meta">
        <a href={indexUrl(slug)}>{indexTitle(program)}</a>
      </p>
      <article class="announcement">
        <h1>{record.title}</h1>
        <dl class="facts">
          <dt>Advisory</dt>
          <dd>{record.trackingId}</dd>
          {record.cveId === null ? null : (
            <>
              <dt>CVE</dt>
              <dd>{record.cveId}</dd>
            </>
          )}
          {record.aliases.length === 0 ? null : (
            <>
              <dt>Aliases</dt>
              <dd>{record.aliases.join(", ")}</dd>
            </>
          )}
          <dt>Severity</dt>
          <dd>{severityText(record)}</dd>
          {record.cwe === null ? null : (
            <>
              <dt>Weakness</dt>
              <dd>{record.cwe}</dd>
            </>
          )}
          <dt>Published</dt>
          <dd>{record.publishedAt === null ? "—" : <On iso={record.publishedAt} />}</dd>
          <dt>Updated</dt>
          <dd>
            <On iso={record.updatedAt} />
          </dd>
        </dl>
        <AdvisoryBody record={record} />
        <h2>Affected products</h2>
        {record.products.length === 0 ? (
          <p>No product versions are listed.</p>
        ) : (
          <section class="table-scroll" aria-label="Affected products" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Versions</th>
                  <th scope="col">Status</th>
                  <th scope="col">Fixed in</th>
                </tr>
              </thead>
              <tbody>
                {record.products.flatMap((product) =>
                  product.ranges.map((range) => (
                    <tr>
                      <th scope="row">{product.name}</th>
                      <td>
                        <code>{range.versions}</code>
                      </td>
                      <td>
                        {range.status.replaceAll("-", " ")}
                        {range.reason === undefined ? "" : `: ${range.reason}`}
                      </td>
                      <td>{range.fixedIn ?? "—"}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </section>
        )}
        {record.references.length === 0 ? null : (
          <>
            <h2>References</h2>
            <ul>
              {record.references.map((reference) => (
                <li>
                  <Link url={reference.url} text={reference.url} />
                  {reference.kind === undefined ? "" : ` (${reference.kind})`}
                </li>
              ))}
            </ul>
          </>
        )}
        {record.credits.length === 0 ? null : (
          <>
            <h2>Credits</h2>
            <ul>
              {record.credits.map((credit) => (
                <li>
                  {credit.url === undefined ? credit.name : <Link url={credit.url} text={credit.name} />} (
                  {credit.type})
                </li>
              ))}
            </ul>
          </>
        )}
        <h2>Revision history</h2>
        <ol>
          {record.revisions.map((revision) => (
            <li>
              Revision {revision.number}, <On iso={revision.date} />: {revision.summary}
            </li>
          ))}
        </ol>
        <p class="meta">
          Machine-readable:{" "}
          {ADVISORY_FORMATS.filter((format) => format.shown?.(program, record) ?? true).map(
            (format, index) => (
              <>
                {index === 0 ? "" : " · "}
                <a href={`${page}${format.suffix}`}>{format.label}</a>
              </>
            ),
          )}
        </p>
      </article>
    </Layout>
  );
}

/** The program's Atom feed of advisories: one entry per advisory, its latest revision. */
export function advisoryFeed(input: {
  program: LoadedPolicy;
  records: readonly AdvisoryRecord[];
  publicUrl: string;
  now: Date;
}): string {
  const { program, publicUrl, records } = input;
  const slug = program.policy.program.slug;
  const index = `${publicUrl}${indexUrl(slug)}`;
  const newest = records.reduce<string | null>(
    (latest, record) => (latest === null || record.updatedAt > latest ? record.updatedAt : latest),
    null,
  );
  return atomXml({
    id: index,
    title: indexTitle(program),
    updated: newest === null ? input.now : new Date(newest),
    author: program.policy.program.name,
    selfLink: `${index}.atom`,
    alternateLink: index,
    entries: records.map((record) => ({
      id: `${publicUrl}${advisoryUrl(slug, record.trackingId)}`,
      title: `${record.trackingId}: ${record.title}`,
      updated: new Date(record.updatedAt),
      published: new Date(record.publishedAt ?? record.updatedAt),
      link: `${publicUrl}${advisoryUrl(slug, record.trackingId)}`,
      html: renderToStaticMarkup(<AdvisoryBody record={record} />),
    })),
  });
}
