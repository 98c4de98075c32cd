/**
 * A CVSS vector string that cannot be scored. `metric` names the offending metric when the
 * problem is tied to one (unknown, duplicate, missing metric or a bad value); it is absent for
 * problems with the vector as a whole (empty string, unsupported version prefix).
 */
export class CvssError extends Error {
  readonly metric?: string;

  constructor(message: string, metric?: string) {
    super(message);
    this.name = "CvssError";
    if (metric !== undefined) this.metric = metric;
  }
}
