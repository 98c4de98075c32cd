/**
 * Gathers the flat fields of the HTML report form (`title`, `fields.<id>`, `credit.mode`, …)
 * into the shape of the JSON API's report, so both are validated by one schema. Empty inputs
 * are treated as not given.
 */
export function reportFromForm(form: Record<string, string>): Record<string, unknown> {
  const given = (name: string) => {
    const value = form[name];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(form)) {
    if (name.startsWith("fields.") && value.trim() !== "") fields[name.slice("fields.".length)] = value;
  }
  return {
    title: form.title ?? "",
    asset: given("asset"),
    fields,
    credit: {
      mode: given("credit.mode") ?? "anonymous",
      name: given("credit.name"),
      link: given("credit.link"),
    },
    contact: { email: given("contact.email"), openpgpKey: given("contact.openpgpKey") },
  };
}
