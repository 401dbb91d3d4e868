import { runbookCommand } from '../../shared/undo.js';

/** The command that puts the alias back on `version`, reversing rollback `auditId`. */
export function undoCommand(functionName: string, alias: string, version: string, auditId: string): string {
  // --force: the cool-down this rollback starts must not stop a person from reversing it.
  return runbookCommand('rollback', {
    function: functionName,
    alias,
    'to-version': version,
    reason: `undo rollback ${auditId}`,
    force: true,
  });
}

/** The same for a workload of the fleet (it may be in a member account, which only the fleet reaches). */
export function fleetUndoCommand(workload: string, version: string, auditId: string): string {
  return runbookCommand('fleet rollback', {
    workload,
    'to-version': version,
    reason: `undo rollback ${auditId}`,
    force: true,
  });
}
