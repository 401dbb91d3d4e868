// A runaway schedule in prod: the kill switch stops the trading runs, so there it is itself a risky change and the
// deployment holds it for two other people's approval (ApprovalFor `auto`: the kill switch in prod). Alice asks
// through the ops API and nothing changes yet; bob's and carol's approvals make it approved, and the last vote
// answers at once: the run is queued (ApprovedRunQueue) and carried out off the API call, whose 30 s a large
// estate's plan and writes would not fit. Lambda's event source mapping — here the emulator's stand-in — hands it
// to ApprovalsFunction, which reads the plan again and carries out exactly what was approved; the enable, never
// held, puts every schedule back as it was.
import { apiEvent } from '../api-event.js';
import { approveThroughApi, carryOutApproved } from '../approved-run.js';
import type { DrillContext, Scenario } from '../scenario.js';
import { estate, states } from './killswitch.js';

/** The HTTP status an API call was answered with. */
const statusOf = (outcome: { result: unknown }) => (outcome.result as { statusCode?: number }).statusCode;

export const approvalScenarios: Scenario[] = [
  {
    name: 'approval.killswitch-prod',
    summary:
      'a kill switch in prod waits for two other people; approved, it is carried out off the API call, exactly',
    async run(ctx: DrillContext) {
      const group = ctx.state.resources.WorkloadScheduleGroup?.ref;
      ctx.expect(group, 'the emulator has no workload schedule group');
      // Prod, as the deployment's RUNBOOK_ENV says it: both the asking function and the approving one read it.
      const prod = { RUNBOOK_ENV: 'prod' };
      const before = await estate(group);
      ctx.expect(
        Object.values(before).some((schedule) => schedule.State === 'ENABLED'),
        `no enabled schedule to stop: ${states(before)}`,
      );
      ctx.step(`estate before: ${states(before)}`);

      const asked = await ctx.invoke(
        'KillSwitchFunction',
        apiEvent('schedules-disable-dry-run.json', 'alice', {
          group,
          all: true,
          reason: 'drill: the 03:00 run fires every minute',
        }),
        prod,
      );
      const approvalId = String(asked.body.approvalId ?? '');
      ctx.expect(
        statusOf(asked) === 202 && approvalId !== '',
        `the kill switch in prod should be held: ${JSON.stringify(asked.body).slice(0, 300)}`,
      );
      const held = await estate(group);
      ctx.expect(states(held) === states(before), `a held kill switch changed schedules: ${states(held)}`);
      ctx.step(`alice asked through the API: held for approval ${approvalId}, nothing changed`);

      const vote = (who: string) =>
        approveThroughApi(ctx, approvalId, who, `drill: ${who} saw the graphs`, prod);
      await vote('bob');
      const last = await vote('carol');
      ctx.expect(
        statusOf(last) === 202 && last.body.status === 'approved' && last.body.carrying === true,
        `the last approval should queue the run and answer at once: ${JSON.stringify(last.body).slice(0, 300)}`,
      );
      ctx.step('bob and carol approved: the run is queued, and the vote answered at once');

      const run = await carryOutApproved(ctx, prod);
      const during = await estate(group);
      ctx.expect(
        Object.values(during).every((schedule) => schedule.State === 'DISABLED'),
        `a schedule is still enabled: ${states(during)}`,
      );
      ctx.step(`carried out from the queue as approved: ${states(during)}`);

      const restoreId = run.result?.restoreId;
      ctx.expect(restoreId, 'the approved run named no restoreId');
      const on = await ctx.invoke(
        'KillSwitchFunction',
        { actor: 'cli:drill@local', action: 'enable', restoreId, reason: 'drill: runs fixed' },
        prod,
      );
      const after = await estate(group);
      ctx.expect(
        on.body.ok !== false && states(after) === states(before),
        `the enable did not put the estate back: ${states(after)} (${JSON.stringify(on.body).slice(0, 200)})`,
      );
      ctx.step(`enabled again without approval (it reduces risk): ${states(after)}`);
    },
  },
];
