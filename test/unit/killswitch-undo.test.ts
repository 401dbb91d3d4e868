// The undo a kill switch's records carry: the stack's own by its restoreId, a fleet workload's through the fleet.
import { describe, expect, it } from 'vitest';
import { disableCommand, fleetWorkloadOf, undoKillSwitch } from '../../functions/killswitch/undo.js';
import { scopeOf } from '../../shared/fleet/select.js';
import { bareWorkload } from '../../shared/fleet/workload.js';

const RESTORE_ID = 'ks-20261128T014508656Z-1c15f324';

describe('the undo of a kill switch’s records', () => {
  it('names the restoreId for the stack’s own kill switch', () => {
    expect(undoKillSwitch(RESTORE_ID)).toBe(
      `runbook schedules enable --restore-id ${RESTORE_ID} --reason 'undo kill switch ${RESTORE_ID}'`,
    );
    expect(disableCommand({ all: true }, 'undo enable')).toBe(
      "runbook schedules disable --all --reason 'undo enable'",
    );
  });

  it('goes through the fleet for a fleet workload’s kill switch, in the home account or a member one', () => {
    for (const workload of [
      bareWorkload({ name: 'fx-settlement', functionName: 'fx-settlement', alias: 'prod', source: 'file' }),
      bareWorkload({ name: 'risk-engine', functionName: 'risk', source: 'file', account: '444444444444' }),
    ]) {
      const scope = scopeOf(workload);
      expect(fleetWorkloadOf(scope)).toBe(workload.name);
      expect(undoKillSwitch(RESTORE_ID, scope)).toBe(
        `runbook fleet enable --workload ${workload.name} --reason 'undo kill switch ${RESTORE_ID}'`,
      );
      // Never `schedules disable --all`: there, --all means the stack's own SCHEDULE_GROUPS
      expect(disableCommand({ all: true, scope }, 'undo enable')).toBe(
        `runbook fleet disable --workload ${workload.name} --reason 'undo enable'`,
      );
    }
  });

  it('reads no workload from the stack’s own scope or another shape', () => {
    expect(fleetWorkloadOf(undefined)).toBeUndefined();
    expect(fleetWorkloadOf('stack')).toBeUndefined();
    expect(fleetWorkloadOf('fleet:self')).toBeUndefined();
  });
});
