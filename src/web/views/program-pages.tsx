import type { ComponentChildren } from "preact";

/**
 * What the team's per-program pages (advisories, problems, a new incident) share: the props every
 * one takes, and the trail back to the inbox above the title.
 */
export interface ProgramPageBase {
  csrfToken: string;
  email: string;
  program: { slug: string; name: string };
}

/**
 * `Inbox › {program} › {section} › {here}`: `section` links to the program's list when the page is
 * one of its items (`here`), and is the page itself otherwise.
 */
export function ProgramTrail(props: {
  program: { name: string };
  section: { label: string; href: string };
  here?: ComponentChildren;
}) {
  return (
    <p class="meta">
      <a href="/inbox">Inbox</a> › {props.program.name} ›{" "}
      {props.here === undefined ? (
        props.section.label
      ) : (
        <>
          <a href={props.section.href}>{props.section.label}</a> › {props.here}
        </>
      )}
    </p>
  );
}
