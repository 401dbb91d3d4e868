import { describe, expect, it } from 'vitest';
import {
  chooseTarget,
  fromLedger,
  gitShaOf,
  type HistoryEntry,
  knownBad,
  NoTargetError,
  needsDeploymentHistory,
} from '../../functions/rollback/choose.js';

const SHA_2 = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
const SHA_3 = '7c4a8d09ca3762af61e59520943dc26494f8941b';
const versions = [
  { version: '1', description: 'gitSha=1111111111111111111111111111111111111111 buildId=ci-1' },
  { version: '2', description: `gitSha=${SHA_2} buildId=ci-2` },
  { version: '3', description: `gitSha=${SHA_3} buildId=ci-3` },
  { version: '4', description: 'no build metadata' },
];

/** A rollback's ledger record, as rollback.ts writes it. */
function rolledBack(
  auditId: string,
  from: string,
  to: string,
  chosenBy = 'previous-published',
): HistoryEntry {
  return {
    auditId,
    at: `2026-11-22T03:${auditId.padStart(2, '0')}:00.000Z`,
    action: 'rollback',
    outcome: 'succeeded',
    dryRun: false,
    before: { version: from },
    after: { version: to },
    details: { chosenBy },
  };
}

describe('chooseTarget', () => {
  it('takes toVersion as given', () => {
    // Act
    const choice = chooseTarget({ current: '4', toVersion: '1', history: [], versions });

    // Assess
    expect(choice).toEqual({ version: '1', chosenBy: 'toVersion', why: 'version 1 was requested' });
  });

  it('finds the version whose description records toGitSha, by a short sha too', () => {
    // Act
    const full = chooseTarget({ current: '4', toGitSha: SHA_2, history: [], versions });
    const short = chooseTarget({ current: '4', toGitSha: SHA_3.slice(0, 7), history: [], versions });

    // Assess
    expect(full).toMatchObject({ version: '2', chosenBy: 'toGitSha' });
    expect(short).toMatchObject({ version: '3', chosenBy: 'toGitSha' });
  });

  it('prefers the newest version when one build was published twice', () => {
    // Prepare
    const republished = [...versions, { version: '5', description: `gitSha=${SHA_2} buildId=ci-2` }];

    // Act
    const choice = chooseTarget({ current: '4', toGitSha: SHA_2, history: [], versions: republished });

    // Assess
    expect(choice.version).toBe('5');
  });

  it('refuses a git sha no version records, naming toGitSha', () => {
    // Act
    const act = () => chooseTarget({ current: '4', toGitSha: 'deadbeef', history: [], versions });

    // Assess
    expect(act).toThrow(NoTargetError);
    expect(act).toThrow(/no published version records gitSha deadbeef/);
  });

  it('without a target or history, takes the highest published version below the current one', () => {
    // Act
    const choice = chooseTarget({ current: '3', history: [], versions });

    // Assess
    expect(choice).toMatchObject({ version: '2', chosenBy: 'previous-published' });
  });

  it('mid-canary, goes back to the primary version alone rather than further back', () => {
    // Act
    const choice = chooseTarget({ current: '3', weights: { '4': 0.1 }, history: [], versions });

    // Assess
    expect(choice).toMatchObject({ version: '3', chosenBy: 'canary-primary' });
    expect(needsDeploymentHistory({ current: '3', weights: { '4': 0.1 }, history: [] })).toBe(false);
  });

  it('takes the version before the current one from the last successful deployment', () => {
    // Act
    const choice = chooseTarget({
      current: '4',
      history: [],
      versions,
      lastDeployment: { deploymentId: 'd-ABC', fromVersion: '2', toVersion: '4' },
    });

    // Assess
    expect(choice).toMatchObject({ version: '2', chosenBy: 'codedeploy' });
    expect(choice.why).toContain('d-ABC');
  });

  it('ignores a deployment that did not put the current version live', () => {
    // Act
    const choice = chooseTarget({
      current: '4',
      history: [],
      versions,
      lastDeployment: { deploymentId: 'd-OLD', fromVersion: '1', toVersion: '2' },
    });

    // Assess
    expect(choice).toMatchObject({ version: '3', chosenBy: 'previous-published' });
  });

  it('never chooses a version the runbook rolled back from', () => {
    // Prepare: 3 was rolled back to 2; then a deploy put 4 live.
    const history = [rolledBack('1', '3', '2')];

    // Act
    const choice = chooseTarget({ current: '4', history, versions });

    // Assess
    expect(choice).toMatchObject({ version: '2', chosenBy: 'previous-published' });
  });

  it('answers the current version when the last automatic rollback put it there (a second rollback is a no-op)', () => {
    // Act
    const choice = chooseTarget({ current: '2', history: [rolledBack('1', '3', '2')], versions });

    // Assess
    expect(choice).toMatchObject({ version: '2', chosenBy: 'already-rolled-back' });
  });

  it('after a deliberate move (an undo), takes the version the alias served before it from the ledger', () => {
    // Prepare: rolled back 3 -> 2, then undone 2 -> 3 by an explicit toVersion.
    const history = [rolledBack('2', '2', '3', 'toVersion'), rolledBack('1', '3', '2')];

    // Act
    const choice = chooseTarget({ current: '3', history, versions });

    // Assess
    expect(choice).toMatchObject({ version: '2', chosenBy: 'ledger' });
    expect(choice.why).toContain('2');
  });

  it('ignores dry runs, failures and other actions in the ledger', () => {
    // Prepare
    const noise: HistoryEntry[] = [
      { ...rolledBack('3', '3', '1'), dryRun: true },
      { ...rolledBack('2', '3', '1'), outcome: 'failed' },
      { ...rolledBack('1', '3', '1'), action: 'schedules.disable' },
    ];

    // Act
    const choice = chooseTarget({ current: '3', history: noise, versions });

    // Assess
    expect(choice).toMatchObject({ version: '2', chosenBy: 'previous-published' });
    expect(knownBad(noise).size).toBe(0);
  });

  it('refuses when nothing below the current version is left, naming toVersion', () => {
    // Act
    const act = () => chooseTarget({ current: '1', history: [], versions });

    // Assess
    expect(act).toThrow(/no published version below 1/);
  });
});

describe('knownBad', () => {
  it('replays the ledger oldest first: a rollback marks the version it left, and clears the one it chose', () => {
    // Prepare (newest first, as the ledger lists)
    const history = [
      rolledBack('3', '2', '3', 'toVersion'),
      rolledBack('2', '4', '2'),
      rolledBack('1', '3', '2'),
    ];

    // Act
    const bad = knownBad(history);

    // Assess
    expect([...bad].sort()).toEqual(['2', '4']);
  });
});

describe('fromLedger and needsDeploymentHistory', () => {
  it('has no answer without a record that put the current version live', () => {
    // Assess
    expect(fromLedger('3', [])).toBeUndefined();
    expect(needsDeploymentHistory({ current: '3', history: [] })).toBe(true);
    expect(needsDeploymentHistory({ current: '3', history: [], toVersion: '1' })).toBe(false);
    expect(needsDeploymentHistory({ current: '2', history: [rolledBack('1', '3', '2')] })).toBe(false);
  });
});

describe('gitShaOf', () => {
  it('reads the sha the template records in a version description', () => {
    // Assess
    expect(gitShaOf(`gitSha=${SHA_2} buildId=ci-2`)).toBe(SHA_2);
    expect(gitShaOf('gitSha=unknown buildId=local')).toBeUndefined();
    expect(gitShaOf(undefined)).toBeUndefined();
  });
});
