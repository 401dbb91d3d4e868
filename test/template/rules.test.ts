// The checkers for what cfn-lint lets through, each run on template.yaml and proven able to fail on small
// bad templates (inline YAML, parsed as template.yaml is).
import { describe, expect, it } from 'vitest';
import { loadTemplate, parseTemplate } from '../../local/template.js';
import { checkAlarms, checkDeploymentPreferences, checkScheduleExpressions } from './rules.js';

const template = loadTemplate();

describe('checkScheduleExpressions', () => {
  /** One valid raw schedule, with `overrides` (flow YAML entries) replacing or adding properties. */
  function schedule(overrides: string): ReturnType<typeof parseTemplate> {
    const fixture = parseTemplate(`
Parameters:
  Frequent: { Type: String, Default: '5' }
Conditions:
  IsProd: !Equals [prod, dev]
Resources:
  Daily:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: 'cron(35 9 ? * MON-FRI *)'
      FlexibleTimeWindow: { Mode: 'OFF' }
      Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:f', RoleArn: 'arn:aws:iam::123456789012:role/r' }
`);
    Object.assign(fixture.Resources.Daily?.Properties ?? {}, parseTemplate(`{ ${overrides} }`));
    return fixture;
  }
  const expression = (text: string) => schedule(`ScheduleExpression: '${text}'`);

  it('passes the schedules of template.yaml', () => {
    // Act
    const problems = checkScheduleExpressions(template);

    // Assess
    expect(problems).toEqual([]);
  });

  const validExpressions = [
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(1 day)',
    'rate(7 days)',
    'at(2030-02-28T23:59:59)',
    'at(2028-02-29T00:00:00)',
    'cron(35 9 ? * MON-FRI *)',
    'cron(0/15 * * * ? *)',
    'cron(*/5 8-17 ? * 2-6 *)',
    'cron(0 12 L * ? *)',
    'cron(0 10 15W * ? 2030)',
    'cron(0 8 ? * 2#1 *)',
    'cron(0 8 ? * MON#1 *)',
    'cron(0 0 1 JAN,JUL ? 2026-2030)',
    'cron(30 6 ? * SAT,SUN *)',
  ];

  it.each(validExpressions)('accepts %s', (text) => {
    // Act
    const problems = checkScheduleExpressions(expression(text));

    // Assess
    expect(problems).toEqual([]);
  });

  const invalidExpressions = [
    'rate(0 minutes)',
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(30 seconds)',
    'rate(2 weeks)',
    'rate(five minutes)',
    'at(2030-02-30T00:00:00)',
    'at(2030-01-01T24:00:00)',
    'at(2030-01-01 09:00:00)',
    'cron(0 12 * * ?)',
    'cron(0 12 * * ? * *)',
    'cron(60 12 * * ? *)',
    'cron(0 24 * * ? *)',
    'cron(0 12 32 * ? *)',
    'cron(0 12 ? 13 MON *)',
    'cron(0 12 ? * 8 *)',
    'cron(0 12 ? * MONDAY *)',
    'cron(0 12 ? * MON#6 *)',
    'cron(0 12 ? * MON/2 *)',
    'cron(0 12 * * * *)',
    'cron(0 12 ? * ? *)',
    'cron(0 12 * * MON *)',
    'cron(0 12 ? * MON 1969)',
    'cron(0 12 ? * MON-FRI- *)',
    'daily at 09:35',
    'Rate(5 minutes)',
  ];

  it.each(invalidExpressions)('reports %s', (text) => {
    // Act
    const problems = checkScheduleExpressions(expression(text));

    // Assess
    expect(problems).toEqual([expect.stringContaining(`Daily: ScheduleExpression "${text}"`)]);
  });

  it('follows both branches of an !If, and reports an expression it cannot read offline', () => {
    // Prepare
    const withIf = schedule(`ScheduleExpression: !If [IsProd, 'rate(5 minutes)', 'rate(5 minute)']`);
    const withSub = schedule(`ScheduleExpression: !Sub 'rate(\${Frequent} minutes)'`);

    // Act
    const ifProblems = checkScheduleExpressions(withIf);
    const subProblems = checkScheduleExpressions(withSub);

    // Assess
    expect(ifProblems).toEqual([expect.stringContaining('Daily: ScheduleExpression "rate(5 minute)"')]);
    expect(subProblems).toEqual([expect.stringContaining('cannot be checked offline')]);
  });

  it.each(['America/New_York', 'Europe/Paris', 'UTC', 'Asia/Kolkata'])('accepts the time zone %s', (zone) => {
    // Act
    const problems = checkScheduleExpressions(schedule(`ScheduleExpressionTimezone: '${zone}'`));

    // Assess
    expect(problems).toEqual([]);
  });

  it.each(['America/New_Yrok', 'EST-5', '+01:00', 'Paris'])('reports the time zone %s', (zone) => {
    // Act
    const problems = checkScheduleExpressions(schedule(`ScheduleExpressionTimezone: '${zone}'`));

    // Assess
    expect(problems).toEqual([`Daily: ScheduleExpressionTimezone "${zone}" is not an IANA time zone`]);
  });

  const invalidSettings = [
    {
      case: 'a misspelt window mode',
      properties: `FlexibleTimeWindow: { Mode: 'Off' }`,
      problem: 'Daily: FlexibleTimeWindow.Mode "Off"',
    },
    {
      case: 'a FLEXIBLE window without its size',
      properties: 'FlexibleTimeWindow: { Mode: FLEXIBLE }',
      problem: 'Daily: FlexibleTimeWindow.MaximumWindowInMinutes',
    },
    {
      case: 'an event age under a minute',
      properties: `Target: { Arn: a, RoleArn: r, RetryPolicy: { MaximumEventAgeInSeconds: 30 } }`,
      problem: 'Daily: Target.RetryPolicy.MaximumEventAgeInSeconds 30 must be 60..86400',
    },
    {
      case: 'an event age over a day',
      properties: `Target: { Arn: a, RoleArn: r, RetryPolicy: { MaximumEventAgeInSeconds: 86401 } }`,
      problem: 'Daily: Target.RetryPolicy.MaximumEventAgeInSeconds 86401 must be 60..86400',
    },
    {
      case: 'more than 185 retries',
      properties: `Target: { Arn: a, RoleArn: r, RetryPolicy: { MaximumRetryAttempts: 186 } }`,
      problem: 'Daily: Target.RetryPolicy.MaximumRetryAttempts 186 must be 0..185',
    },
    {
      case: 'negative retries',
      properties: `Target: { Arn: a, RoleArn: r, RetryPolicy: { MaximumRetryAttempts: -1 } }`,
      problem: 'Daily: Target.RetryPolicy.MaximumRetryAttempts -1 must be 0..185',
    },
  ];

  it.each(invalidSettings)('reports $case', ({ properties, problem }) => {
    // Act
    const problems = checkScheduleExpressions(schedule(properties));

    // Assess
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  it('accepts retry limits at their bounds', () => {
    // Prepare
    const atBounds = [
      'Target: { Arn: a, RoleArn: r, RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 } }',
      'Target: { Arn: a, RoleArn: r, RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 } }',
    ];

    // Act
    const problems = atBounds.flatMap((properties) => checkScheduleExpressions(schedule(properties)));

    // Assess
    expect(problems).toEqual([]);
  });

  it('checks SAM ScheduleV2 events as it checks raw schedules', () => {
    // Prepare
    const withEvent = parseTemplate(`
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: handler.handler
      Events:
        Nightly:
          Type: ScheduleV2
          Properties: { ScheduleExpression: 'cron(0 2 * * * *)', RetryPolicy: { MaximumRetryAttempts: 200 } }
`);

    // Act
    const problems = checkScheduleExpressions(withEvent);

    // Assess
    expect(problems).toEqual([
      expect.stringContaining('Fn.Events.Nightly: ScheduleExpression "cron(0 2 * * * *)"'),
      expect.stringContaining('Fn.Events.Nightly: RetryPolicy.MaximumRetryAttempts 200'),
    ]);
  });
});

describe('checkDeploymentPreferences', () => {
  /** A function with `preference` (flow YAML) as its DeploymentPreference, hook functions and an alarm. */
  function withPreference(
    preference: string,
    autoPublishAlias = 'AutoPublishAlias: live',
  ): ReturnType<typeof parseTemplate> {
    return parseTemplate(`
Parameters:
  DeployType: { Type: String, AllowedValues: [Canary10Percent5Minutes, AllAtOnce], Default: AllAtOnce }
  TypoedDeployType: { Type: String, AllowedValues: [Canary10Percent5Minutes, Canary50Percent5Minutes] }
  FreeDeployType: { Type: String, Default: AllAtOnce }
Conditions:
  IsProd: !Equals [prod, dev]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: handler.handler
      ${autoPublishAlias}
      DeploymentPreference: ${preference}
  PreTrafficHook:
    Type: AWS::Serverless::Function
    Properties: { Handler: handler.handler }
  PostTrafficHook:
    Type: AWS::Serverless::Function
    Properties: { Handler: handler.handler }
  ErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties: { AlarmActions: [!Ref AlarmTopic] }
  AlarmTopic:
    Type: AWS::SNS::Topic
`);
  }

  it('passes template.yaml', () => {
    // Act
    const problems = checkDeploymentPreferences(template);

    // Assess
    expect(problems).toEqual([]);
  });

  const validPreferences = [
    {
      case: 'a canary with hooks and alarms from the template',
      preference:
        '{ Type: Canary10Percent5Minutes, Alarms: [!Ref ErrorsAlarm], Hooks: { PreTraffic: !Ref PreTrafficHook, PostTraffic: !Ref PostTrafficHook } }',
    },
    ...[
      'Canary10Percent30Minutes',
      'Canary10Percent10Minutes',
      'Canary10Percent15Minutes',
      'Linear10PercentEvery10Minutes',
      'Linear10PercentEvery1Minute',
      'Linear10PercentEvery2Minutes',
      'Linear10PercentEvery3Minutes',
      'AllAtOnce',
    ].map((type) => ({ case: type, preference: `{ Type: ${type} }` })),
    { case: 'a !Ref to a parameter allowing only types', preference: '{ Type: !Ref DeployType }' },
    {
      case: 'an !If between two types',
      preference: '{ Type: !If [IsProd, Canary10Percent10Minutes, AllAtOnce] }',
    },
    {
      case: 'an alarm switched off by !If and AWS::NoValue',
      preference: '{ Type: AllAtOnce, Alarms: [!If [IsProd, !Ref ErrorsAlarm, !Ref AWS::NoValue]] }',
    },
  ];

  it.each(validPreferences)('accepts $case', ({ preference }) => {
    // Act
    const problems = checkDeploymentPreferences(withPreference(preference));

    // Assess
    expect(problems).toEqual([]);
  });

  const invalidPreferences = [
    {
      case: 'a misspelt type',
      preference: '{ Type: Canary10Percent5Minute }',
      problem: 'Fn: DeploymentPreference.Type "Canary10Percent5Minute"',
    },
    {
      case: 'a type CodeDeploy does not predefine',
      preference: '{ Type: Linear10PercentEvery5Minutes }',
      problem: 'Fn: DeploymentPreference.Type "Linear10PercentEvery5Minutes"',
    },
    {
      case: 'a bad type in one branch of an !If',
      preference: '{ Type: !If [IsProd, Canary10Percent5Minutes, AllAtOnse] }',
      problem: '"AllAtOnse"',
    },
    {
      case: 'a parameter allowing a bad type',
      preference: '{ Type: !Ref TypoedDeployType }',
      problem: 'allows "Canary50Percent5Minutes"',
    },
    {
      case: 'a parameter allowing any string',
      preference: '{ Type: !Ref FreeDeployType }',
      problem: 'parameter FreeDeployType has no AllowedValues',
    },
    {
      case: 'a !Ref to no parameter',
      preference: '{ Type: !Ref Missing }',
      problem: 'neither a type nor a !Ref to a parameter',
    },
    {
      case: 'a PreTraffic hook naming a function that does not exist',
      preference: '{ Type: AllAtOnce, Hooks: { PreTraffic: !Ref PreTraficHook } }',
      problem: 'Fn: DeploymentPreference.Hooks.PreTraffic {"Ref":"PreTraficHook"}',
    },
    {
      case: 'a PostTraffic hook naming a resource that is not a function',
      preference: '{ Type: AllAtOnce, Hooks: { PostTraffic: !Ref ErrorsAlarm } }',
      problem: 'Fn: DeploymentPreference.Hooks.PostTraffic {"Ref":"ErrorsAlarm"}',
    },
    {
      case: 'a hook given as a plain name instead of a !Ref',
      preference: '{ Type: AllAtOnce, Hooks: { PostTraffic: PostTrafficHook } }',
      problem: 'Fn: DeploymentPreference.Hooks.PostTraffic "PostTrafficHook"',
    },
    {
      case: 'a misspelt hook kind',
      preference: '{ Type: AllAtOnce, Hooks: { PreTrafic: !Ref PreTrafficHook } }',
      problem: 'Fn: DeploymentPreference.Hooks.PreTrafic is not PreTraffic or PostTraffic',
    },
    {
      case: 'an alarm that does not exist',
      preference: '{ Type: AllAtOnce, Alarms: [!Ref ErrorAlarm] }',
      problem: 'Fn: DeploymentPreference.Alarms entry {"Ref":"ErrorAlarm"}',
    },
    {
      case: 'an alarm naming a resource that is not an alarm',
      preference: '{ Type: AllAtOnce, Alarms: [!Ref AlarmTopic] }',
      problem: 'Fn: DeploymentPreference.Alarms entry {"Ref":"AlarmTopic"}',
    },
  ];

  it.each(invalidPreferences)('reports $case', ({ preference, problem }) => {
    // Act
    const problems = checkDeploymentPreferences(withPreference(preference));

    // Assess
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  it('reports a DeploymentPreference on a function without AutoPublishAlias', () => {
    // Act
    const problems = checkDeploymentPreferences(withPreference('{ Type: AllAtOnce }', ''));

    // Assess
    expect(problems).toEqual(['Fn: has a DeploymentPreference but no AutoPublishAlias']);
  });

  it('accepts a switched-off DeploymentPreference on a function without AutoPublishAlias (a hook)', () => {
    // Act
    const problems = checkDeploymentPreferences(withPreference('{ Enabled: false }', ''));

    // Assess
    expect(problems).toEqual([]);
  });

  it('checks a DeploymentPreference set in Globals on every function', () => {
    // Prepare
    const fromGlobals = parseTemplate(`
Globals:
  Function:
    AutoPublishAlias: live
    DeploymentPreference: { Type: Canary10Percent5Minutess }
Resources:
  First:
    Type: AWS::Serverless::Function
    Properties: { Handler: handler.handler }
  Second:
    Type: AWS::Serverless::Function
    Properties: { Handler: handler.handler, DeploymentPreference: { Hooks: { PreTraffic: !Ref Nowhere } } }
`);

    // Act
    const problems = checkDeploymentPreferences(fromGlobals);

    // Assess
    expect(problems).toEqual([
      expect.stringContaining('First: DeploymentPreference.Type "Canary10Percent5Minutess"'),
      expect.stringContaining('Second: DeploymentPreference.Type "Canary10Percent5Minutess"'),
      expect.stringContaining('Second: DeploymentPreference.Hooks.PreTraffic {"Ref":"Nowhere"}'),
    ]);
  });
});

describe('checkAlarms', () => {
  /** One alarm with `actions` (flow YAML entries), a topic and a queue to point at. */
  function alarm(actions: string): ReturnType<typeof parseTemplate> {
    return parseTemplate(`
Resources:
  ErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties: { Namespace: AWS/Lambda, MetricName: Errors, ${actions} }
  AlarmTopic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
`);
  }

  it('passes template.yaml', () => {
    // Act
    const problems = checkAlarms(template);

    // Assess
    expect(problems).toEqual([]);
  });

  it('accepts an alarm whose alarm and OK actions notify a topic of the template', () => {
    // Act
    const problems = checkAlarms(alarm('AlarmActions: [!Ref AlarmTopic], OKActions: [!Ref AlarmTopic]'));

    // Assess
    expect(problems).toEqual([]);
  });

  const silentOrMisdirected = [
    {
      case: 'no AlarmActions',
      actions: 'OKActions: [!Ref AlarmTopic]',
      problem: 'ErrorsAlarm: AlarmActions is empty',
    },
    {
      case: 'an empty AlarmActions',
      actions: 'AlarmActions: []',
      problem: 'ErrorsAlarm: AlarmActions is empty',
    },
    {
      case: 'an action to a topic not in the template',
      actions: 'AlarmActions: [!Ref AlarmTopik]',
      problem: 'ErrorsAlarm: AlarmActions entry {"Ref":"AlarmTopik"}',
    },
    {
      case: 'an action to a resource that is not a topic',
      actions: 'AlarmActions: [!Ref Queue]',
      problem: 'ErrorsAlarm: AlarmActions entry {"Ref":"Queue"}',
    },
    {
      case: 'a hard-coded ARN',
      actions: "AlarmActions: ['arn:aws:sns:us-east-1:123456789012:ops']",
      problem: 'ErrorsAlarm: AlarmActions entry "arn:aws:sns:us-east-1:123456789012:ops"',
    },
  ];

  it.each(silentOrMisdirected)('reports $case', ({ actions, problem }) => {
    // Act
    const problems = checkAlarms(alarm(actions));

    // Assess
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  it('reports OK and insufficient-data actions that are not topics of the template', () => {
    // Act
    const problems = checkAlarms(
      alarm(
        'AlarmActions: [!Ref AlarmTopic], OKActions: [!Ref Queue], InsufficientDataActions: [!Ref Nowhere]',
      ),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringContaining('ErrorsAlarm: OKActions entry {"Ref":"Queue"}'),
      expect.stringContaining('ErrorsAlarm: InsufficientDataActions entry {"Ref":"Nowhere"}'),
    ]);
  });
});
