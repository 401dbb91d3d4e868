// `runbook approve`, `runbook reject` and `runbook approval`, run as an operator would (the compiled CLI in a
// child process) against a running emulator. Each person is `--as NAME`: a session of the emulator's STS (alice,
// bob, carol), whose principal the CLI's API door passes to the function as API Gateway would.
import { join } from 'node:path';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalSummary } from '../../cli/approve.js';
import { fillQueue, lambdaDeadLetter } from '../../local/dlq.js';
import { saveState } from '../../local/emulator/provision.js';
import { adminCredentials } from '../../local/fleet/accounts.js';
import { prepareFleet, watchListFile } from '../../local/fleet/provision.js';
import { cliBin } from '../../scripts/build-cli.js';
import { runAsync, runCli, runCliAsync } from '../support/cli.js';
import { deliverNext } from '../support/deliver.js';
import { type CliEmulator, cliEmulator } from '../support/emulator.js';
import { uniqueName } from '../support/names.js';
import { createGroup, fullSchedule } from '../support/schedules.js';

const sqs = new SQSClient({});
const home = new SchedulerClient({});
const MEMBER = '222222222222';

const ROLE = 'arn:aws:sts::123456789012:assumed-role/OnCall';

describe('runbook approve / reject / approval', { timeout: 180_000 }, () => {
  let emulator: CliEmulator;
  let queueName: string;
  let queueUrl: string;

  beforeAll(async () => {
    // ApprovalFor=schedules.disable: every kill switch disable, the fleet's too, waits for approval (drains
    // only above ApprovalDrainAbove, as by default).
    emulator = await cliEmulator('cli-approvals', {
      parameters: { ApprovalDrainAbove: '2', ApprovalFor: 'schedules.disable' },
    });
    queueName = `${emulator.stackName}-WorkloadDLQ`;
    queueUrl = emulator.ref('WorkloadDLQ');
  });

  afterAll(() => {
    sqs.destroy();
    home.destroy();
  });

  const json = (result: { stdout: string }) => JSON.parse(result.stdout);

  /** A command the CLI printed, run by bash as a person pasting it would (`runbook` is the compiled CLI). */
  const asPrinted = (command: string, ...extra: string[]) =>
    runAsync('bash', [
      '-c',
      `${command.replace(/^runbook /, `"${process.execPath}" "${cliBin}" `)} ${extra.join(' ')}`,
    ]);

  /** Delivers the approved run once the approving vote has queued it (within `seconds`). */
  async function deliverWhenQueued(seconds = 30) {
    for (const until = Date.now() + seconds * 1000; Date.now() < until; ) {
      const delivered = await deliverNext(emulator.state, 'ApprovalsFunction');
      if (delivered) return delivered;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return undefined;
  }

  async function askToDrain(count: number, tag: string) {
    await fillQueue(
      sqs,
      queueUrl,
      Array.from({ length: count }, (_, i) => lambdaDeadLetter({ i }, { requestId: `${tag}-${i}` })),
    );
    const asked = runCli('dlq', [
      'drain',
      '--queue',
      queueName,
      '--reason',
      'replay after the fix',
      '--yes',
      '--as',
      'alice',
      '--json',
    ]);
    expect(asked.code, asked.stderr).toBe(0);
    return json(asked) as { approvalId: string; status: string; approve: string };
  }

  it('asks through the API door, refuses the requester’s own approval, and carries the drain out on the second approval, given by the printed command', async () => {
    // Prepare
    const asked = await askToDrain(3, 'cli-two');

    // Act
    const own = runCli('approve', [asked.approvalId, '--json', '--as', 'alice']);
    const first = runCli('approve', [
      asked.approvalId,
      '--reason',
      'consumer fixed',
      '--json',
      '--as',
      'bob',
    ]);
    const read = runCli('approval', [asked.approvalId, '--json', '--as', 'carol']);
    // The second, as printed (the one placeholder, the other person, filled in) and run by a shell; it waits for
    // the drain, carried out from the approved-run queue (delivered here as Lambda's event source mapping would)
    const waiting = asPrinted(asked.approve.replace('--as NAME', '--as carol'), '--json');
    const delivered = await deliverWhenQueued();
    const second = await waiting;

    // Assess
    expect(asked).toMatchObject({ status: 'pending' });
    // Asked as alice: the approve command as printed names another person, as it must be run
    expect(asked.approve).toBe(`runbook approve ${asked.approvalId} --as NAME`);
    expect(own.code).toBe(2);
    expect(json(own)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(first.code, first.stderr).toBe(0);
    expect(json(first)).toMatchObject({
      status: 'pending',
      approvedBy: [`${ROLE}/bob`],
    });
    expect(json(read)).toMatchObject({
      status: 'pending',
      requester: `${ROLE}/alice`,
      plan: { before: { approximateMessages: 3 } },
    });
    expect(delivered?.deleted, JSON.stringify(delivered)).toBe(true);
    expect(second.code, second.stderr).toBe(0);
    expect(json(second)).toMatchObject({ status: 'executed', result: { redriven: 3 } });
    // On a terminal: what the drain changed, as `runbook dlq drain` prints it
    const human = approvalSummary(json(second));
    expect(human).toContain(`carried out (audit ${json(second).result.auditId}):`);
    expect(human).toMatch(/in DLQ at start \(approx\.\)\s+3\n.*\n\s+redriven\s+3/);
  });

  it('holds a fleet disable as one request and carries it out, in both accounts, on two other people’s approvals', async () => {
    // Prepare: orders here, risk in a member account, each with a schedule group; the stack watches them
    const prepared = await prepareFleet({
      prefix: uniqueName('cla'),
      members: [
        { name: 'orders', tags: { team: 'payments' }, versions: 2 },
        { name: 'risk', account: MEMBER, tags: { team: 'payments' }, versions: 2 },
      ],
    });
    const member = new SchedulerClient({ credentials: await adminCredentials(MEMBER) });
    const groups: [SchedulerClient, string][] = [];
    for (const workload of prepared.watchList.workloads) {
      const scheduler = workload.account ? member : home;
      const group = uniqueName(`cla-${workload.name}`);
      await createGroup(scheduler, group, [fullSchedule('settle')]);
      workload.scheduleGroups = [group];
      groups.push([scheduler, group]);
    }
    emulator.state.parameters.WatchList = JSON.stringify(watchListFile(prepared.watchList));
    emulator.state.parameters.WatchTagDiscovery = 'false';
    saveState(emulator.state, join(emulator.stateDir, 'emulator.json'));
    const states = () =>
      Promise.all(
        groups.map(
          async ([scheduler, group]) =>
            (await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: 'settle' }))).State,
        ),
      );

    // Act
    const fleetArgs = ['disable', '--tag', 'team=payments', '--reason', 'duplicate charges', '--yes'];
    const asked = runCli('fleet', [...fleetArgs, '--as', 'alice', '--json']);
    const id = String(json(asked).approvalId);
    const whileHeld = await states();
    const first = runCli('approve', [id, '--json', '--as', 'bob']);
    // The last approval queues the run and waits for it; Lambda's event source mapping delivers it (here, the
    // test, through the emulator's stand-in) to ApprovalsFunction meanwhile.
    const waiting = runCliAsync('approve', [id, '--json', '--as', 'carol', '--wait', '60']);
    const delivered = await deliverWhenQueued();
    const second = await waiting;

    // Assess
    expect(asked.code, asked.stderr).toBe(0);
    expect(json(asked)).toMatchObject({
      status: 'pending',
      action: 'fleet.disable',
      before: { workloads: 2 },
    });
    expect(whileHeld).toEqual(['ENABLED', 'ENABLED']);
    expect(json(first)).toMatchObject({ status: 'pending', approvedBy: [`${ROLE}/bob`] });
    expect(delivered?.deleted, JSON.stringify(delivered)).toBe(true);
    expect(second.code, second.stderr).toBe(0);
    // One JSON document on stdout: the request as it ended, what the run changed in `result`
    expect(json(second)).toMatchObject({
      status: 'executed',
      result: {
        action: 'disable',
        counts: { succeeded: 2 },
        approval: { approvalId: id, approvedBy: [`${ROLE}/bob`, `${ROLE}/carol`] },
      },
    });
    expect(await states()).toEqual(['DISABLED', 'DISABLED']);
    // On a terminal: each workload's outcome and the undo of the whole run, as `runbook fleet disable` prints them
    expect(approvalSummary(json(second))).toContain(`  undo:  ${json(second).result.undo}`);
    expect(json(second).result.undo).toMatch(/^runbook fleet undo --audit-id /);
    member.destroy();
  });

  it('answers the same drain asked again with the pending request, then rejects it, which then takes no approval', async () => {
    // Prepare
    const asked = await askToDrain(3, 'cli-reject');

    // Act
    const again = runCli('dlq', [
      'drain',
      '--queue',
      queueName,
      '--reason',
      'replay it',
      '--yes',
      '--as',
      'bob',
      '--json',
    ]);
    const rejected = runCli('reject', [
      asked.approvalId,
      '--reason',
      'wait for the deploy',
      '--json',
      '--as',
      'carol',
    ]);
    const late = runCli('approve', [asked.approvalId, '--json', '--as', 'bob']);

    // Assess
    expect(again.code, again.stderr).toBe(0);
    expect(json(again)).toMatchObject({
      approvalId: asked.approvalId,
      status: 'pending',
      existing: true,
      requester: `${ROLE}/alice`,
    });
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(json(rejected)).toMatchObject({ status: 'rejected' });
    expect(late.code).toBe(2);
    expect(json(late)).toMatchObject({ ok: false, error: { code: 'Conflict', field: 'id' } });
  });

  it('refuses a malformed id naming the field, an approval through Lambda Invoke, and --as on AWS', () => {
    // Act
    const malformed = runCli('approve', ['not-an-id', '--json', '--as', 'bob']);
    const viaLambda = runCli('approve', [
      '20261122T154501123Z-3fa9c2d1',
      '--via',
      'lambda',
      '--runbook-function',
      'x',
      '--json',
    ]);
    const asOnAws = runCli('approve', ['20261122T154501123Z-3fa9c2d1', '--stack', 'prod', '--as', 'bob']);

    // Assess
    expect(malformed.code).toBe(2);
    expect(json(malformed)).toMatchObject({ ok: false, error: { field: 'id' } });
    expect(viaLambda.code).toBe(1);
    expect(viaLambda.stderr).toContain('approvals go through the ops API');
    expect(asOnAws.code).toBe(1);
    expect(asOnAws.stderr).toContain('--as is for the emulator only');
  });
});
