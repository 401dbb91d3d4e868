import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Json,
  loadTemplate,
  parameterValues,
  projectRoot,
  type ResolveContext,
  resolveValue,
  type Template,
} from '../../local/template.js';
import {
  fleetArnLists,
  LIST_PARAMETERS,
  MAX_LISTS_CHARS,
  MAX_PARAMETER_CHARS,
  type ParamsOptions,
  parameterOverrides,
} from '../../scripts/watchlist-params.js';
import { parseWatchList, type WatchListFile } from '../../shared/fleet/watchlist.js';

const RUNBOOK = '111122223333';
const MEMBER = '444455556666';
const OTHER = '777788889999';
const own: ParamsOptions = { account: RUNBOOK, region: 'eu-west-1' };

/** A watch list of three workloads: two in the runbook's account, one in a member account. */
const file: WatchListFile = {
  accounts: [
    { id: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/lambda-runbook-member` },
    { id: OTHER, roleArn: `arn:aws:iam::${OTHER}:role/lambda-runbook-member` },
  ],
  workloads: [
    {
      name: 'payments',
      functionName: 'payments-api',
      scheduleGroups: ['payments'],
      schedules: [
        { group: 'payments', name: 'nightly' },
        { group: 'shared', name: 'payments-report' },
      ],
      alarms: ['payments-errors', 'payments-*'],
      killSwitchAlarms: ['payments-runaway'],
      codeDeploy: { application: 'payments-app', groups: [] },
    },
    {
      name: 'orders',
      functionName: 'orders-api',
      schedules: [{ group: 'shared', name: 'orders-report' }],
      codeDeploy: { application: 'orders-app', groups: ['orders-live'] },
    },
    {
      name: 'ledger',
      account: MEMBER,
      functionName: 'ledger-api',
      scheduleGroups: ['ledger'],
      alarms: ['ledger-errors'],
    },
  ],
};
const list = parseWatchList(file);

describe('watchlist:params', () => {
  it("prints the runbook stack's lists: ARNs in its account and region, for its own workloads only", () => {
    // Act
    const lists = fleetArnLists(list, own);

    // Assess
    expect(lists).toEqual({
      FleetScheduleArns: [
        'arn:aws:scheduler:eu-west-1:111122223333:schedule/payments/*',
        'arn:aws:scheduler:eu-west-1:111122223333:schedule/shared/orders-report',
        'arn:aws:scheduler:eu-west-1:111122223333:schedule/shared/payments-report',
      ],
      FleetScheduleRoleArns: [],
      FleetDeploymentGroupArns: [
        'arn:aws:codedeploy:eu-west-1:111122223333:deploymentgroup:orders-app/orders-live',
        'arn:aws:codedeploy:eu-west-1:111122223333:deploymentgroup:payments-app/*',
      ],
      FleetAlarmArns: [
        'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:payments-*',
        'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:payments-errors',
        'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:payments-runaway',
      ],
    });
  });

  it("prints a member account's lists in that account, with the runbook account, and none of another's", () => {
    // Prepare
    const options = { ...own, member: MEMBER };

    // Act
    const printed = parameterOverrides(fleetArnLists(list, options), options);

    // Assess
    expect(printed).toBe(
      'RunbookAccountId=111122223333 ' +
        'FleetScheduleArns=arn:aws:scheduler:eu-west-1:444455556666:schedule/ledger/* ' +
        'FleetAlarmArns=arn:aws:cloudwatch:eu-west-1:444455556666:alarm:ledger-errors',
    );
    expect(
      parameterOverrides(fleetArnLists(list, { ...own, member: OTHER }), { ...own, member: OTHER }),
    ).toBe('RunbookAccountId=111122223333');
  });

  it('takes the schedules’ execution roles, which the watch list does not name, from --schedule-role', () => {
    // Prepare
    const role = `arn:aws:iam::${RUNBOOK}:role/payments-scheduler`;

    // Act
    const lists = fleetArnLists(list, { ...own, scheduleRoles: [role, role] });

    // Assess
    expect(lists.FleetScheduleRoleArns).toEqual([role]);
  });

  it('leaves an empty list out, so its parameter keeps its default', () => {
    // Act
    const printed = parameterOverrides(fleetArnLists(list, own), own);

    // Assess
    expect(printed.split(' ').map((pair) => pair.slice(0, pair.indexOf('=')))).toEqual([
      'FleetScheduleArns',
      'FleetDeploymentGroupArns',
      'FleetAlarmArns',
    ]);
  });

  const refused: { case: string; options: ParamsOptions; message: string }[] = [
    {
      case: 'an account that is not 12 digits',
      options: { ...own, account: '1234' },
      message: '--account must be 12 digits',
    },
    {
      case: 'a region that is not one',
      options: { ...own, region: 'europe' },
      message: '--region must be a region',
    },
    {
      case: 'a partition that is not one',
      options: { ...own, partition: 'azure' },
      message: '--partition must be aws',
    },
    {
      case: 'a member account not in the list',
      options: { ...own, member: '999999999999' },
      message: 'is not in the watch list',
    },
    {
      case: 'a schedule role of another account',
      options: { ...own, scheduleRoles: [`arn:aws:iam::${MEMBER}:role/r`] },
      message: `is not in account ${RUNBOOK}`,
    },
    {
      case: 'a schedule role that is no ARN',
      options: { ...own, scheduleRoles: ['r'] },
      message: 'must be an IAM role ARN',
    },
  ];

  it.each(refused)('refuses $case', ({ options, message }) => {
    expect(() => fleetArnLists(list, options)).toThrow(message);
  });

  it('refuses an alarm name a parameter list cannot carry (a comma or a blank), naming the workload', () => {
    // Prepare
    const withBlank = parseWatchList({ workloads: [{ name: 'x', functionName: 'x', alarms: ['x errors'] }] });

    // Act / Assess
    expect(() => fleetArnLists(withBlank, own)).toThrow(
      'workload x: alarm "x errors" has a comma or a blank',
    );
  });

  it("refuses a list over CloudFormation's 4,096 characters, and lists together over the policy's room", () => {
    // Prepare
    const groups = Array.from({ length: 80 }, (_, i) => `group-${String(i).padStart(3, '0')}`);
    const many = parseWatchList({ workloads: [{ name: 'x', functionName: 'x', scheduleGroups: groups }] });
    const few = (n: number) => ({
      FleetScheduleArns: [],
      FleetScheduleRoleArns: [],
      FleetDeploymentGroupArns: Array.from(
        { length: n },
        (_, i) => `arn:aws:codedeploy:eu-west-1:${RUNBOOK}:deploymentgroup:app-${i}/*`,
      ),
      FleetAlarmArns: Array.from(
        { length: n },
        (_, i) => `arn:aws:cloudwatch:eu-west-1:${RUNBOOK}:alarm:alarm-${i}-*`,
      ),
    });

    // Act / Assess
    expect(() => parameterOverrides(fleetArnLists(many, own), own)).toThrow(
      `FleetScheduleArns is ${fleetArnLists(many, own).FleetScheduleArns.join(',').length} characters, over CloudFormation's ${MAX_PARAMETER_CHARS}`,
    );
    expect(() => parameterOverrides(few(40), own)).toThrow(
      `over the ${MAX_LISTS_CHARS} the fleet role's policy has room for`,
    );
    expect(() => parameterOverrides(few(10), own)).not.toThrow();
  });

  it('prints only parameters that template.yaml and member-role.yaml declare as CommaDelimitedList', () => {
    for (const template of [loadTemplate(), loadTemplate(join(projectRoot, 'member-role.yaml'))]) {
      expect(LIST_PARAMETERS.map((name) => template.Parameters?.[name]?.Type)).toEqual(
        LIST_PARAMETERS.map(() => 'CommaDelimitedList'),
      );
    }
  });

  it("keeps FleetRole's policy, its lists at their limit, under IAM's 10,240 characters for a role's inline policies", () => {
    // Prepare: every resource named as CloudFormation names one (stack-LogicalId-suffix), the lists full.
    const template = loadTemplate();
    const stackName = 'lambda-runbook-prod';
    const region = 'eu-west-1';
    const per = Math.floor(MAX_LISTS_CHARS / LIST_PARAMETERS.length);
    const fill = (service: string) => {
      const items: string[] = [];
      for (let i = 0; ; i++) {
        const next = [...items, `arn:aws:${service}:${region}:${RUNBOOK}:${'n'.repeat(40)}-${i}`];
        if (next.join(',').length > per) return items.join(',');
        items.push(next[next.length - 1] as string);
      }
    };
    const parameters = parameterValues(template, {
      FleetScheduleArns: fill('scheduler'),
      FleetScheduleRoleArns: fill('iam'),
      FleetDeploymentGroupArns: fill('codedeploy'),
      FleetAlarmArns: fill('cloudwatch'),
    });
    const resources: ResolveContext['resources'] = {};
    for (const id of [
      ...Object.keys(template.Resources),
      'ServerlessDeploymentApplication',
      'WorkloadFunctionDeploymentGroup',
    ]) {
      const ref = `${stackName}-${id}-1A2B3C4D5E6F`;
      resources[id] = {
        ref,
        attributes: { Arn: `arn:aws:service:${region}:${RUNBOOK}:${ref}`, QueueName: ref },
      };
    }
    const ctx: ResolveContext = {
      template: template as Template,
      parameters,
      stackName,
      region,
      accountId: RUNBOOK,
      resources,
    };

    // Act: the policy as IAM stores it (no whitespace), a list parameter as the list it is.
    const policy = resolveValue(ctx, template.Resources.FleetRole?.Properties?.Policies as Json);
    const size = JSON.stringify(policy, (_key, value) =>
      typeof value === 'string' && value.startsWith('arn:') && value.includes(',') ? value.split(',') : value,
    ).length;

    // Assess
    expect(size).toBeGreaterThan(MAX_LISTS_CHARS);
    expect(size).toBeLessThan(10_240);
  });

  it('runs as `npm run watchlist:params` documents: pairs on stdout, a refusal on stderr with exit code 2', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'watchlist-params-'));
    const path = join(dir, 'watchlist.json');
    writeFileSync(path, JSON.stringify(file));
    const run = (...args: string[]) =>
      spawnSync(
        join(projectRoot, 'node_modules', '.bin', 'tsx'),
        ['scripts/watchlist-params.ts', '--file', path, ...args],
        {
          cwd: projectRoot,
          encoding: 'utf8',
          env: { ...process.env, NODE_NO_WARNINGS: '1' },
        },
      );

    // Act
    const printed = run('--account', RUNBOOK, '--region', 'eu-west-1', '--member', MEMBER);
    const refused = run('--account', RUNBOOK, '--region', 'eu-west-1', '--member', '999999999999');

    // Assess
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(
      'RunbookAccountId=111122223333 FleetScheduleArns=arn:aws:scheduler:eu-west-1:444455556666:schedule/ledger/* FleetAlarmArns=arn:aws:cloudwatch:eu-west-1:444455556666:alarm:ledger-errors\n',
    );
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('--member 999999999999 is not in the watch list');
  }, 30_000);
});
