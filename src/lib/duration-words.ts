/**
 * A policy duration in plain words ("1 business day", "72 hours"). The policy's renderings and
 * the domain's clocks (the authority promise on a case page) must say the same thing, and the
 * domain may not import the policy's code, so the wording lives here, below both.
 */

/** The shape of a policy duration (policy/schema.ts `Duration`): exactly one unit is set. */
export interface DurationParts {
  hours?: number | undefined;
  days?: number | undefined;
  businessHours?: number | undefined;
  businessDays?: number | undefined;
}

export function describeDuration(duration: DurationParts): string {
  const [unit, amount] = Object.entries(duration).find(([, value]) => value !== undefined) ?? ["hours", 0];
  const names: Record<string, [string, string]> = {
    hours: ["hour", "hours"],
    days: ["day", "days"],
    businessHours: ["business hour", "business hours"],
    businessDays: ["business day", "business days"],
  };
  const [one, many] = names[unit] ?? [unit, unit];
  return `${amount} ${amount === 1 ? one : many}`;
}
