// Change freezes in template.yaml: one parameter, passed to the functions that enforce it and to no other.
import { describe, expect, it } from 'vitest';
import { ENFORCING } from '../../cli/freeze.js';
import { type JsonObject, loadTemplate } from '../../local/template.js';
import { parseFreezeWindows } from '../../shared/freeze/windows.js';
import { isObject, type Resource } from './intrinsics.js';

const template = loadTemplate();
const parameter = (template.Parameters?.FreezeWindows ?? {}) as JsonObject;
// The enforcing functions are the list `runbook freeze status` reads (cli/freeze.ts ENFORCING). The fleet function
// enforces a freeze on its drains only (functions/fleet/drain.ts); its rollback and kill switch are always
// allowed, as the single-workload ones are. ApprovalsFunction carries out an approved drain, which obeys the same
// freezes (with the approval's override).

function variables(logicalId: string): JsonObject {
  const fn = template.Resources[logicalId] as Resource | undefined;
  const environment = fn?.Properties?.Environment;
  return isObject(environment) && isObject(environment.Variables) ? environment.Variables : {};
}

const functions = Object.entries(template.Resources)
  .filter(([, resource]) => (resource as Resource).Type === 'AWS::Serverless::Function')
  .map(([logicalId]) => logicalId);

describe('FreezeWindows in template.yaml', () => {
  it('is a string parameter, empty (no freeze) by default, short enough for a Lambda environment', () => {
    expect(parameter).toMatchObject({ Type: 'String', Default: '' });
    // Lambda allows 4 KB for all of a function's variables together.
    expect(Number(parameter.MaxLength)).toBeLessThanOrEqual(2048);
    expect(parseFreezeWindows(String(parameter.Default))).toEqual([]);
  });

  it('shows an example in its description that the functions accept', () => {
    const example = /Example: (.+)$/.exec(String(parameter.Description))?.[1];
    expect(example).toBeDefined();
    expect(parseFreezeWindows(example)).toEqual([
      expect.objectContaining({ kind: 'recurring', zone: 'America/New_York', start: 565, end: 585 }),
    ]);
  });

  it('reaches, as FREEZE_WINDOWS, the drainer, the pre-traffic hook, the rotation function and the fleet (drains)', () => {
    for (const logicalId of ENFORCING)
      expect(variables(logicalId).FREEZE_WINDOWS, logicalId).toEqual({ Ref: 'FreezeWindows' });
  });

  it('reaches no other function: rollback and the kill switch are always allowed', () => {
    const others = functions.filter((logicalId) => !ENFORCING.includes(logicalId));
    expect(others).toEqual(expect.arrayContaining(['RollbackFunction', 'KillSwitchFunction']));
    for (const logicalId of others) expect(variables(logicalId).FREEZE_WINDOWS, logicalId).toBeUndefined();
    const globals = (template.Globals as JsonObject | undefined)?.Function as JsonObject | undefined;
    expect(JSON.stringify(globals ?? {})).not.toContain('FreezeWindows');
  });
});
