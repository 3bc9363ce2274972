/**
 * Versions of a gateway's document: a new version only when the content changed, and always one above every
 * version issued before (monotonic per gateway, never reused, even after a build failure). Pure.
 */

export interface LatestVersion {
  readonly version: number;
  readonly contentHash: string;
}

export type VersionDecision =
  { readonly issue: false; readonly version: number } | { readonly issue: true; readonly version: number };

/**
 * `latest`: the newest stored version (undefined when none); `desiredVersion`: the state row's counter (equal to
 * it, unless versions were removed by hand); `hash`: the new content's hash.
 */
export function decideVersion(latest: LatestVersion | undefined, desiredVersion: number, hash: string): VersionDecision {
  if (latest && latest.contentHash === hash) return { issue: false, version: latest.version };
  return { issue: true, version: Math.max(latest?.version ?? 0, desiredVersion) + 1 };
}
