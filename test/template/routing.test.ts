// Remediation routing: which alarm does what is declared once (Globals), reaches functions only in ALARM
// state (the subscriptions' filter), names alarms that exist, and every runbook function is itself watched.
import { describe, expect, it } from 'vitest';
import { type Json, loadTemplate } from '../../local/template.js';
import { getAttOf, isObject, refOf, resourcesOfType } from './intrinsics.js';

const ROUTING = ['ROLLBACK_ALARMS', 'KILLSWITCH_ALARMS'];

function subText(value: Json | undefined): string {
  return isObject(value) && typeof value['Fn::Sub'] === 'string' ? value['Fn::Sub'] : '';
}

describe('remediation routing', () => {
  const template = loadTemplate();
  const globals = (
    template.Globals?.Function?.Environment as { Variables?: Record<string, Json> } | undefined
  )?.Variables;
  const functions = resourcesOfType(template, 'AWS::Serverless::Function');

  it('is declared once, in Globals, and in no function', () => {
    expect(ROUTING.filter((name) => globals?.[name] === undefined)).toEqual([]);
    const redeclared = functions.flatMap(([id, fn]) => {
      const variables = (fn.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)
        ?.Variables;
      return ROUTING.filter((name) => variables?.[name] !== undefined).map((name) => `${id}: ${name}`);
    });
    expect(redeclared).toEqual([]);
  });

  it("names the sample workload's alarms that exist in the template", () => {
    const alarmNames = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) =>
      subText(alarm.Properties?.AlarmName),
    );
    for (const name of ROUTING) {
      const first = subText(globals?.[name]).split(',')[0] ?? '';
      expect(alarmNames, `${name} names ${first}`).toContain(first);
    }
  });

  it('lets only ALARM notifications of the alarm topic reach a function', () => {
    const subscriptions = functions.flatMap(([id, fn]) =>
      Object.entries(isObject(fn.Properties?.Events) ? fn.Properties.Events : {})
        .filter(([, event]) => isObject(event) && event.Type === 'SNS')
        .map(([name, event]) => ({
          id: `${id}.${name}`,
          properties: (event as { Properties: Record<string, Json> }).Properties,
        })),
    );
    expect(subscriptions.map((s) => s.id).sort()).toEqual([
      'FleetFunction.Alarm',
      'KillSwitchFunction.Alarm',
      'RollbackFunction.Alarm',
    ]);
    for (const { id, properties } of subscriptions) {
      expect(refOf(properties.Topic), id).toBe('AlarmTopic');
      expect(properties.FilterPolicyScope, id).toBe('MessageBody');
      expect(properties.FilterPolicy, id).toEqual({ NewStateValue: ['ALARM'] });
    }
  });

  it('watches every runbook function with an Errors alarm to the alarm topic', () => {
    const watched = new Set(
      resourcesOfType(template, 'AWS::CloudWatch::Alarm')
        .filter(
          ([, alarm]) =>
            alarm.Properties?.MetricName === 'Errors' && alarm.Properties?.Namespace === 'AWS/Lambda',
        )
        .filter(
          ([, alarm]) =>
            JSON.stringify(alarm.Properties?.AlarmActions) === JSON.stringify([{ Ref: 'AlarmTopic' }]),
        )
        .flatMap(([, alarm]) =>
          Array.isArray(alarm.Properties?.Dimensions) ? alarm.Properties.Dimensions : [],
        )
        .map((dimension) => (isObject(dimension) ? refOf(dimension.Value) : undefined)),
    );
    const unwatched = functions.map(([id]) => id).filter((id) => !watched.has(id));
    expect(unwatched).toEqual([]);
  });

  it('keeps every alarm-triggered invocation that failed after its retries, and alarms on it', () => {
    // An alarm reaches a remediation asynchronously: without an on-failure destination, a failure is dropped.
    const problems = functions
      .filter(([, fn]) => JSON.stringify(fn.Properties?.Events ?? {}).includes('"Type":"SNS"'))
      .flatMap(([id, fn]) => {
        const config = fn.Properties?.EventInvokeConfig as
          | { DestinationConfig?: { OnFailure?: { Destination?: Json } } }
          | undefined;
        const queue = getAttOf(config?.DestinationConfig?.OnFailure?.Destination)?.logicalId;
        if (!queue) return [`${id}: no on-failure destination`];
        const alarmed = resourcesOfType(template, 'AWS::CloudWatch::Alarm').some(([, alarm]) =>
          JSON.stringify(alarm.Properties?.Dimensions ?? []).includes(`"${queue}"`),
        );
        return alarmed ? [] : [`${id}: nothing alarms on ${queue}`];
      });
    expect(problems).toEqual([]);
  });
});
