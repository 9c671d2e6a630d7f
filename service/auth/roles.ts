/**
 * Who may do what (DESIGN.md, HTTP surface). A token carries exactly one role; a route names the
 * roles it admits. No role implies another: an admin manages tokens and models, not crossings.
 * `scraper` is for Prometheus, which reads /metrics and nothing else.
 */
export const ROLES = ['officer', 'model_owner', 'oversight', 'admin', 'scraper'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The caller, as a route sees it once the token is checked. Never the token itself. */
export interface Principal {
  /** Stable token id (`tok_...`), recorded with each decision. */
  readonly tokenId: string;
  /** What the token was created for, e.g. `console-12`. */
  readonly name: string;
  readonly role: Role;
}
