// The incident dashboard: its body is JSON inside a !Sub, which neither cfn-lint nor CloudFormation checks
// until deploy time. Filled with sample values, it must parse and show what the on-call engineer needs.
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../local/template.js';

describe('OpsDashboard', () => {
  const dashboard = loadTemplate().Resources.OpsDashboard;
  const sub = dashboard?.Properties?.DashboardBody as
    | { 'Fn::Sub': [string, Record<string, unknown>] }
    | undefined;

  function body(): { widgets: { type: string; properties: Record<string, unknown> }[] } {
    const [text, variables] = sub?.['Fn::Sub'] ?? ['', {}];
    const names = new Set([...Object.keys(variables), 'AWS::Region', 'AWS::StackName', 'AuditTable']);
    const filled = text.replace(/\$\{([^}]+)\}/g, (_whole, name: string) => {
      if (!names.has(name)) throw new Error(`the dashboard names \${${name}}, which nothing defines`);
      return `sample-${name.replace('::', '-')}`;
    });
    return JSON.parse(filled);
  }

  it('is a CloudWatch dashboard whose body is valid JSON once substituted', () => {
    expect(dashboard?.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(body().widgets.length).toBeGreaterThanOrEqual(6);
  });

  it("shows the workload's invocations, errors, duration, throttles, serving version and dead letters", () => {
    const text = JSON.stringify(body());
    for (const metric of [
      'Invocations',
      'Errors',
      'Duration',
      'Throttles',
      'ApproximateNumberOfMessagesVisible',
      'ExecutedVersion',
    ])
      expect(text, metric).toContain(metric);
  });

  it('shows what the runbook did: rollbacks, smoke failures, stopped schedules, redriven and stale dead letters', () => {
    const text = JSON.stringify(body());
    for (const metric of [
      'Rollback',
      'SmokeFailures',
      'SchedulesDisabled',
      'Redriven',
      'Stale',
      'RedriveFailed',
    ])
      expect(text, metric).toContain(metric);
  });

  it('lists the workload alarms', () => {
    const alarms = body().widgets.find((w) => w.type === 'alarm')?.properties.alarms as string[] | undefined;
    expect(alarms?.map((arn) => arn.replace(/^sample-AlarmPrefixArn/, ''))).toEqual([
      'errors',
      'throttles',
      'duration',
      'dlq-depth',
      'schedule-dlq-depth',
      'runaway',
    ]);
  });
});
