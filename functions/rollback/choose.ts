import { NotFoundError } from '../../shared/errors.js';

// Which version is "known good": pure decisions over what rollback.ts has read, so each rule is tested alone.
//
// In order: the version the caller names (`toVersion`), the version built from the commit the caller names
// (`toGitSha`, read from version descriptions `gitSha=… buildId=…`), the version this alias served before
// its current one (from the audit ledger, then from the last successful CodeDeploy deployment), and only
// then the highest published version below the current one. Never `$LATEST`. Versions this runbook has
// rolled back *from* are known bad and are never chosen by the automatic rules.

export type ChosenBy =
  | 'toVersion'
  | 'toGitSha'
  | 'ledger'
  | 'codedeploy'
  | 'previous-published'
  | 'already-rolled-back'
  | 'canary-primary';

export interface Choice {
  version: string;
  chosenBy: ChosenBy;
  /** One sentence for the result and the audit record. */
  why: string;
}

export interface PublishedVersion {
  version: string;
  description?: string;
}

/** The part of an audit record the choice needs (a rollback's record: which version it left and chose). */
export interface HistoryEntry {
  auditId: string;
  at: string;
  action: string;
  outcome: string;
  dryRun: boolean;
  before?: { version?: string };
  after?: { version?: string };
  details?: { chosenBy?: string };
}

/** The last successful deployment of the alias: it moved traffic from `fromVersion` to `toVersion`. */
export interface DeploymentShift {
  deploymentId: string;
  fromVersion: string;
  toVersion: string;
}

export interface ChoiceInput {
  current: string;
  /** The alias's additional weights (a canary in progress), e.g. `{ "4": 0.1 }`. */
  weights?: Record<string, number>;
  toVersion?: string;
  toGitSha?: string;
  /** Needed for `toGitSha` and the last rule; pass what ListVersionsByFunction returned. */
  versions?: PublishedVersion[];
  /** The alias's ledger records, newest first. */
  history: HistoryEntry[];
  lastDeployment?: DeploymentShift;
}

/** No version satisfies the rules: a 404 naming the field the caller can use instead. */
export class NoTargetError extends NotFoundError {}

const EXPLICIT: readonly string[] = ['toVersion', 'toGitSha'];

/** Rollbacks that really moved the alias, newest first. */
function rollbacks(history: HistoryEntry[]): HistoryEntry[] {
  return history.filter(
    (entry) =>
      entry.action === 'rollback' &&
      entry.outcome === 'succeeded' &&
      !entry.dryRun &&
      entry.before?.version !== undefined &&
      entry.after?.version !== undefined,
  );
}

/**
 * Versions rolled back from, and not deliberately restored since: replaying the ledger oldest first, a
 * rollback marks the version it left as bad and the version it chose as good again (an undo restores it).
 */
export function knownBad(history: HistoryEntry[]): Set<string> {
  const bad = new Set<string>();
  for (const entry of rollbacks(history).reverse()) {
    bad.add(entry.before?.version as string);
    bad.delete(entry.after?.version as string);
  }
  return bad;
}

/** The gitSha a version's description records (`gitSha=<sha> buildId=<id>`), if any. */
export function gitShaOf(description: string | undefined): string | undefined {
  return /(?:^|\s)gitSha=([0-9a-f]{7,40})(?:\s|$)/.exec(description ?? '')?.[1];
}

/**
 * The ledger's answer, or undefined when it has none. When the last rollback put the alias where it is now by
 * its own choice, the alias is already on the known-good version: the answer is the current version (a second
 * rollback is a no-op rather than a roll forward to the version just left).
 */
export function fromLedger(current: string, history: HistoryEntry[]): Choice | undefined {
  const last = rollbacks(history).find((entry) => entry.after?.version === current);
  if (!last) return undefined;
  if (!EXPLICIT.includes(last.details?.chosenBy ?? '')) {
    return {
      version: current,
      chosenBy: 'already-rolled-back',
      why: `rollback ${last.auditId} already moved the alias from version ${last.before?.version} to ${current} at ${last.at}`,
    };
  }
  // A person put the current version live on purpose (an undo, a roll forward): the version it replaced is
  // the one to go back to, even if an earlier rollback had left it.
  const previous = last.before?.version as string;
  if (previous === current) return undefined;
  return {
    version: previous,
    chosenBy: 'ledger',
    why: `the alias served version ${previous} before ${current} was put live by ${last.auditId} at ${last.at}`,
  };
}

const byNumber = (a: PublishedVersion, b: PublishedVersion) => Number(b.version) - Number(a.version);

export function chooseTarget(input: ChoiceInput): Choice {
  const { current } = input;
  if (input.toVersion !== undefined) {
    return {
      version: input.toVersion,
      chosenBy: 'toVersion',
      why: `version ${input.toVersion} was requested`,
    };
  }
  const published = (input.versions ?? []).filter((item) => item.version !== '$LATEST');
  if (input.toGitSha !== undefined) {
    const sha = input.toGitSha;
    // A short sha matches the full one recorded; if a build was published twice, the newest copy wins.
    const match = published.filter((item) => gitShaOf(item.description)?.startsWith(sha)).sort(byNumber)[0];
    if (!match) throw new NoTargetError(`no published version records gitSha ${sha}`, 'toGitSha');
    return {
      version: match.version,
      chosenBy: 'toGitSha',
      why: `version ${match.version} records gitSha ${gitShaOf(match.description)}`,
    };
  }
  // A canary in progress outside CodeDeploy: the version being tried is in the weights, the known-good one is
  // the alias's primary version. Back to it alone.
  const canary = Object.keys(input.weights ?? {}).filter((version) => Number(version) > Number(current));
  if (canary.length > 0) {
    return {
      version: current,
      chosenBy: 'canary-primary',
      why: `the alias was shifting traffic to version ${canary.join(', ')}: back to its primary version ${current} alone`,
    };
  }
  const ledger = fromLedger(current, input.history);
  if (ledger) return ledger;
  const bad = knownBad(input.history);
  const deployment = input.lastDeployment;
  if (deployment && deployment.toVersion === current && deployment.fromVersion !== current) {
    if (!bad.has(deployment.fromVersion)) {
      return {
        version: deployment.fromVersion,
        chosenBy: 'codedeploy',
        why: `CodeDeploy deployment ${deployment.deploymentId} moved the alias from version ${deployment.fromVersion} to ${current}`,
      };
    }
  }
  const below = published
    .filter((item) => Number(item.version) < Number(current) && !bad.has(item.version))
    .sort(byNumber)[0];
  if (!below) {
    throw new NoTargetError(
      `no published version below ${current} to roll back to${bad.size > 0 ? ` (known bad: ${[...bad].join(', ')})` : ''}; name one with toVersion`,
      'toVersion',
    );
  }
  return {
    version: below.version,
    chosenBy: 'previous-published',
    why: `no ledger or deployment history for this alias: version ${below.version} is the highest published below ${current}`,
  };
}

/** Whether the choice will need the last successful deployment (so rollback.ts reads CodeDeploy only then). */
export function needsDeploymentHistory(input: Omit<ChoiceInput, 'lastDeployment' | 'versions'>): boolean {
  return (
    input.toVersion === undefined &&
    input.toGitSha === undefined &&
    !Object.keys(input.weights ?? {}).some((version) => Number(version) > Number(input.current)) &&
    fromLedger(input.current, input.history) === undefined
  );
}
