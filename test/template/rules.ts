// Rules that cfn-lint lets through. Measured with cfn-lint 1.51 on this template: it accepts a misspelt
// DeploymentPreference type, a Hooks reference to a function that does not exist, and an invalid schedule
// expression, all of which fail only at deploy time (or, for a schedule, never fire).
//
// Each checker is pure: it takes a parsed template and returns one line per violation, naming the resource
// and the property, so `expect(check(template)).toEqual([])` fails with the whole list.
import type { Json, JsonObject, Template } from '../../local/template.js';
import {
  alternatives,
  describeValue,
  ifOf,
  isObject,
  refOf,
  refsResourceOfType,
  resourcesOfType,
} from './intrinsics.js';

// ------------------------------------------------------------------------------------------- schedules

/** A schedule as EventBridge Scheduler receives it, whether declared raw or as a SAM `ScheduleV2` event. */
interface ScheduleSpec {
  where: string;
  expression: Json | undefined;
  timezone: Json | undefined;
  flexibleTimeWindow: Json | undefined;
  /** `AWS::Scheduler::Schedule` requires FlexibleTimeWindow; SAM's ScheduleV2 defaults it to OFF. */
  flexibleTimeWindowRequired: boolean;
  retryPolicy: Json | undefined;
  retryPolicyPath: string;
}

function schedules(template: Template): ScheduleSpec[] {
  const raw = resourcesOfType(template, 'AWS::Scheduler::Schedule').map(([logicalId, resource]) => {
    const props = resource.Properties ?? {};
    const target = isObject(props.Target) ? props.Target : {};
    return {
      where: logicalId,
      expression: props.ScheduleExpression,
      timezone: props.ScheduleExpressionTimezone,
      flexibleTimeWindow: props.FlexibleTimeWindow,
      flexibleTimeWindowRequired: true,
      retryPolicy: target.RetryPolicy,
      retryPolicyPath: 'Target.RetryPolicy',
    };
  });
  const sam = resourcesOfType(template, 'AWS::Serverless::Function').flatMap(([logicalId, resource]) => {
    const events = resource.Properties?.Events;
    if (!isObject(events)) return [];
    return Object.entries(events)
      .filter(([, event]) => isObject(event) && event.Type === 'ScheduleV2')
      .map(([name, event]) => {
        const props = (isObject(event) && isObject(event.Properties) ? event.Properties : {}) as JsonObject;
        return {
          where: `${logicalId}.Events.${name}`,
          expression: props.ScheduleExpression,
          timezone: props.ScheduleExpressionTimezone,
          flexibleTimeWindow: props.FlexibleTimeWindow,
          flexibleTimeWindowRequired: false,
          retryPolicy: props.RetryPolicy,
          retryPolicyPath: 'RetryPolicy',
        };
      });
  });
  return [...raw, ...sam];
}

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names accepted for values, in order from `min` (JAN = 1, SUN = 1). */
  names?: string[];
  /** Whether the `/` (increments) wildcard is allowed. */
  increments: boolean;
  /** Whether the field may be `?` (day-of-month and day-of-week only). */
  question: boolean;
  /** Whole-field forms beyond lists, ranges and increments (`L`, `W`, `#`). */
  special?: (field: string) => boolean;
}

const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function inRange(text: string, min: number, max: number): boolean {
  return /^\d{1,4}$/.test(text) && Number(text) >= min && Number(text) <= max;
}

function weekday(text: string): boolean {
  return inRange(text, 1, 7) || weekdays.includes(text.toUpperCase());
}

// The fields, their values and their wildcards, as EventBridge Scheduler documents them:
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
const cronFields: CronField[] = [
  { name: 'minutes', min: 0, max: 59, increments: true, question: false },
  { name: 'hours', min: 0, max: 23, increments: true, question: false },
  {
    name: 'day-of-month',
    min: 1,
    max: 31,
    increments: true,
    question: true,
    // `L` is the last day of the month, `3W` the weekday nearest the 3rd, `LW` the last weekday.
    special: (field) =>
      field === 'L' || field === 'LW' || (/^\d{1,2}W$/.test(field) && inRange(field.slice(0, -1), 1, 31)),
  },
  { name: 'month', min: 1, max: 12, names: months, increments: true, question: false },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: weekdays,
    increments: false,
    question: true,
    // `L` is the last day of the week, `6L` the last Friday of the month, `3#2` its second Tuesday.
    special: (field) => {
      if (field === 'L') return true;
      if (field.endsWith('L')) return weekday(field.slice(0, -1));
      const [day, nth, ...rest] = field.split('#');
      return nth !== undefined && rest.length === 0 && weekday(day ?? '') && inRange(nth, 1, 5);
    },
  },
  { name: 'year', min: 1970, max: 2199, increments: true, question: false },
];

function cronValue(field: CronField, text: string): boolean {
  return inRange(text, field.min, field.max) || (field.names?.includes(text.toUpperCase()) ?? false);
}

/** One comma-separated item: `*`, `5`, `MON`, `1-5`, `MON-FRI`, and (where allowed) `*\/15`, `0/15`, `8-17/2`. */
function cronItem(field: CronField, item: string): boolean {
  const [base = '', step, ...rest] = item.split('/');
  if (rest.length > 0) return false;
  if (step !== undefined && !(field.increments && /^\d+$/.test(step) && Number(step) >= 1)) return false;
  if (base === '*') return true;
  const bounds = base.split('-');
  return bounds.length <= 2 && bounds.every((bound) => cronValue(field, bound));
}

function cronProblem(body: string): string | undefined {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    return `has ${parts.length} fields; cron() takes 6 (minutes hours day-of-month month day-of-week year)`;
  }
  for (const [index, field] of cronFields.entries()) {
    const text = parts[index] as string;
    if (text === '?' && field.question) continue;
    if (field.special?.(text)) continue;
    if (!text.split(',').every((item) => cronItem(field, item))) {
      return `has an invalid ${field.name} field "${text}"`;
    }
  }
  // "If you specify a value or a * in one of the fields, you must use a ? in the other."
  if ((parts[2] === '?') === (parts[4] === '?')) {
    return 'must have "?" in exactly one of day-of-month and day-of-week';
  }
  return undefined;
}

function rateProblem(body: string): string | undefined {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) return 'must be rate(<value> <minute(s)|hour(s)|day(s)>)';
  const value = Number(match[1]);
  const unit = match[2] as string;
  if (value < 1) return 'must have a positive value';
  // "If the value is equal to 1, then the unit must be singular"; above 1 it must be plural.
  if ((value === 1) !== !unit.endsWith('s'))
    return `must use the ${value === 1 ? 'singular' : 'plural'} unit`;
  return undefined;
}

function atProblem(body: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) return 'must be at(yyyy-mm-ddThh:mm:ss)';
  type Parts = [number, number, number, number, number, number];
  const [year, month, day, hours, minutes, seconds] = match.slice(1).map(Number) as Parts;
  const date = new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
  const same =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hours &&
    date.getUTCMinutes() === minutes &&
    date.getUTCSeconds() === seconds;
  return same ? undefined : 'is not a real date and time';
}

/** Why `expression` is not a valid EventBridge Scheduler expression, or undefined when it is. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const match = /^(rate|at|cron)\((.*)\)$/.exec(expression);
  if (!match) return 'must be rate(...), at(...) or cron(...)';
  const [, kind, body = ''] = match;
  if (kind === 'rate') return rateProblem(body);
  if (kind === 'at') return atProblem(body);
  return cronProblem(body);
}

function timeZoneValid(timeZone: string): boolean {
  if (Intl.supportedValuesOf('timeZone').includes(timeZone)) return true;
  // Older names (UTC, US/Eastern) are accepted by Intl without being listed; offsets (+01:00) are not zones.
  if (!/^[A-Za-z]/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function integerIn(value: Json | undefined, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function literals(where: string, property: string, value: Json | undefined): string[] | string {
  const values = alternatives(value);
  if (values.length === 0) return `${where}: ${property} is missing`;
  const notLiteral = values.find((item) => typeof item !== 'string');
  if (notLiteral !== undefined) {
    return `${where}: ${property} ${describeValue(notLiteral)} cannot be checked offline; use a literal (or !If of literals)`;
  }
  return values as string[];
}

/**
 * Every schedule (`AWS::Scheduler::Schedule`, and SAM `ScheduleV2` events) has a valid rate/at/cron
 * expression, a real IANA time zone when it names one, a known flexible-window mode, and a retry policy
 * within Scheduler's limits.
 */
export function checkScheduleExpressions(template: Template): string[] {
  const problems: string[] = [];
  for (const schedule of schedules(template)) {
    const { where } = schedule;
    const expressions = literals(where, 'ScheduleExpression', schedule.expression);
    if (typeof expressions === 'string') problems.push(expressions);
    else {
      for (const expression of expressions) {
        const problem = scheduleExpressionProblem(expression);
        if (problem) problems.push(`${where}: ScheduleExpression "${expression}" ${problem}`);
      }
    }

    if (schedule.timezone !== undefined) {
      const zones = literals(where, 'ScheduleExpressionTimezone', schedule.timezone);
      if (typeof zones === 'string') problems.push(zones);
      else {
        for (const zone of zones.filter((name) => !timeZoneValid(name))) {
          problems.push(`${where}: ScheduleExpressionTimezone "${zone}" is not an IANA time zone`);
        }
      }
    }

    const window = schedule.flexibleTimeWindow;
    if (window === undefined) {
      if (schedule.flexibleTimeWindowRequired) problems.push(`${where}: FlexibleTimeWindow is missing`);
    } else if (!isObject(window) || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')) {
      problems.push(
        `${where}: FlexibleTimeWindow.Mode ${describeValue(isObject(window) ? window.Mode : window)} must be OFF or FLEXIBLE`,
      );
    } else if (window.Mode === 'FLEXIBLE' && !integerIn(window.MaximumWindowInMinutes, 1, 1440)) {
      problems.push(
        `${where}: FlexibleTimeWindow.MaximumWindowInMinutes must be 1..1440 when Mode is FLEXIBLE`,
      );
    }

    const retry = schedule.retryPolicy;
    if (retry !== undefined) {
      const path = schedule.retryPolicyPath;
      if (!isObject(retry)) problems.push(`${where}: ${path} must be an object`);
      else {
        if (
          retry.MaximumEventAgeInSeconds !== undefined &&
          !integerIn(retry.MaximumEventAgeInSeconds, 60, 86400)
        ) {
          problems.push(
            `${where}: ${path}.MaximumEventAgeInSeconds ${describeValue(retry.MaximumEventAgeInSeconds)} must be 60..86400`,
          );
        }
        if (retry.MaximumRetryAttempts !== undefined && !integerIn(retry.MaximumRetryAttempts, 0, 185)) {
          problems.push(
            `${where}: ${path}.MaximumRetryAttempts ${describeValue(retry.MaximumRetryAttempts)} must be 0..185`,
          );
        }
      }
    }
  }
  return problems;
}

// -------------------------------------------------------------------------------- deployment preferences

/** CodeDeploy's predefined Lambda deployment configurations, by the names SAM accepts. */
export const deploymentTypes = [
  'Canary10Percent30Minutes',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Linear10PercentEvery10Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'AllAtOnce',
];

function deploymentTypeProblems(template: Template, where: string, type: Json): string[] {
  if (typeof type === 'string') {
    return deploymentTypes.includes(type)
      ? []
      : [`${where}: DeploymentPreference.Type "${type}" is not one of ${deploymentTypes.join(', ')}`];
  }
  const branches = ifOf(type);
  if (branches) {
    return [
      ...deploymentTypeProblems(template, where, branches[1]),
      ...deploymentTypeProblems(template, where, branches[2]),
    ];
  }
  const name = refOf(type);
  const parameter = name === undefined ? undefined : template.Parameters?.[name];
  if (name === undefined || parameter === undefined) {
    return [
      `${where}: DeploymentPreference.Type ${describeValue(type)} is neither a type nor a !Ref to a parameter`,
    ];
  }
  if (!parameter.AllowedValues?.length) {
    return [`${where}: DeploymentPreference.Type !Ref ${name}, but parameter ${name} has no AllowedValues`];
  }
  return parameter.AllowedValues.filter((value) => !deploymentTypes.includes(String(value))).map(
    (value) =>
      `${where}: DeploymentPreference.Type !Ref ${name} allows "${String(value)}", which is not a type`,
  );
}

/**
 * Every `DeploymentPreference` (on a function, or in Globals) names a predefined CodeDeploy type, hooks
 * functions and alarms that exist in the template, and sits on a function with `AutoPublishAlias`
 * (CodeDeploy shifts an alias; without one there is nothing to shift).
 */
export function checkDeploymentPreferences(template: Template): string[] {
  const problems: string[] = [];
  const globals = template.Globals?.Function ?? {};
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const props = resource.Properties ?? {};
    const global = isObject(globals.DeploymentPreference) ? globals.DeploymentPreference : undefined;
    const own = isObject(props.DeploymentPreference) ? props.DeploymentPreference : undefined;
    if (!global && !own) continue;
    const preference: JsonObject = { ...global, ...own };
    // `Enabled: false` switches the preference off: SAM creates no deployment for the function (a CodeDeploy
    // hook carries it so that a preference in Globals never applies to the hook itself).
    if (preference.Enabled === false || preference.Enabled === 'false') continue;

    if (preference.Type !== undefined)
      problems.push(...deploymentTypeProblems(template, logicalId, preference.Type));

    if (preference.Hooks !== undefined) {
      const hooks = isObject(preference.Hooks) ? preference.Hooks : {};
      if (!isObject(preference.Hooks))
        problems.push(`${logicalId}: DeploymentPreference.Hooks must be a map`);
      for (const [hook, target] of Object.entries(hooks)) {
        if (hook !== 'PreTraffic' && hook !== 'PostTraffic') {
          problems.push(`${logicalId}: DeploymentPreference.Hooks.${hook} is not PreTraffic or PostTraffic`);
          continue;
        }
        for (const value of alternatives(target)) {
          if (!refsResourceOfType(template, value, 'AWS::Serverless::Function')) {
            problems.push(
              `${logicalId}: DeploymentPreference.Hooks.${hook} ${describeValue(value)} is not a !Ref to an AWS::Serverless::Function in the template`,
            );
          }
        }
      }
    }

    for (const value of alternatives(preference.Alarms)) {
      if (!refsResourceOfType(template, value, 'AWS::CloudWatch::Alarm')) {
        problems.push(
          `${logicalId}: DeploymentPreference.Alarms entry ${describeValue(value)} is not a !Ref to an AWS::CloudWatch::Alarm in the template`,
        );
      }
    }

    if ((props.AutoPublishAlias ?? globals.AutoPublishAlias) === undefined) {
      problems.push(`${logicalId}: has a DeploymentPreference but no AutoPublishAlias`);
    }
  }
  return problems;
}

// ------------------------------------------------------------------------------------------------ alarms

/**
 * Every `AWS::CloudWatch::Alarm` notifies someone: at least one AlarmActions entry, and every action
 * (alarm, OK, insufficient data) is a `!Ref` to an `AWS::SNS::Topic` in the template.
 */
export function checkAlarms(template: Template): string[] {
  const problems: string[] = [];
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
    const props = resource.Properties ?? {};
    if (alternatives(props.AlarmActions).length === 0) {
      problems.push(`${logicalId}: AlarmActions is empty; the alarm would notify nobody`);
    }
    for (const property of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
      for (const action of alternatives(props[property])) {
        if (!refsResourceOfType(template, action, 'AWS::SNS::Topic')) {
          problems.push(
            `${logicalId}: ${property} entry ${describeValue(action)} is not a !Ref to an AWS::SNS::Topic in the template`,
          );
        }
      }
    }
  }
  return problems;
}

// --------------------------------------------------------------------------------------------------- IAM

/**
 * Actions AWS documents as supporting no resource-level permissions, so `Resource: '*'` is their only form,
 * each with its reason: the page of the Service Authorization Reference whose row for it lists no resource
 * type. Extend only with such a link (fleet.test.ts checks every reason names one).
 */
export const resourceStarReasons: Record<string, string> = {
  'xray:PutTraceSegments':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html: segments have no resource type',
  'xray:PutTelemetryRecords':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html: telemetry has no resource type',
  'secretsmanager:GetRandomPassword':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html: its row lists no resource type',
  // GetSchedule and UpdateSchedule take the schedule's ARN.
  'scheduler:ListSchedules':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html: ListSchedules lists no resource type',
  'cloudwatch:GetMetricData':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html: GetMetricData lists no resource type (metrics have no ARN)',
  // Get/Update/DeleteEventSourceMapping take the mapping's ARN; listing takes none.
  'lambda:ListEventSourceMappings':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html: ListEventSourceMappings lists no resource type',
  'tag:GetResources':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_resourcegroupstaggingapi.html: the Tagging API defines no resource types',
};

export const resourceStarActions = Object.keys(resourceStarReasons);

interface PolicyDocument {
  where: string;
  document: Json | undefined;
  /** Trust policies name a Principal, not a Resource. */
  trust: boolean;
}

function policyDocuments(template: Template): PolicyDocument[] {
  const documents: PolicyDocument[] = [];
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::IAM::Role')) {
    const props = resource.Properties ?? {};
    documents.push({
      where: `${logicalId}.AssumeRolePolicyDocument`,
      document: props.AssumeRolePolicyDocument,
      trust: true,
    });
    for (const [index, policy] of (Array.isArray(props.Policies) ? props.Policies : []).entries()) {
      const name =
        isObject(policy) && typeof policy.PolicyName === 'string' ? policy.PolicyName : String(index);
      documents.push({
        where: `${logicalId}.Policies[${name}]`,
        document: isObject(policy) ? policy.PolicyDocument : undefined,
        trust: false,
      });
    }
  }
  // Policies attached to roles from outside: the same grants under another resource type.
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [logicalId, resource] of resourcesOfType(template, type)) {
      documents.push({
        where: `${logicalId}.PolicyDocument`,
        document: resource.Properties?.PolicyDocument,
        trust: false,
      });
    }
  }
  return documents;
}

function statementsOf(document: Json | undefined): Json[] {
  if (!isObject(document)) return [];
  // A statement may itself be conditional (`- !If [Cond, {statement}, !Ref AWS::NoValue]`): check each branch.
  return alternatives(document.Statement);
}

function strings(where: string, property: string, value: Json | undefined, problems: string[]): string[] {
  const values = alternatives(value);
  for (const item of values.filter((candidate) => typeof candidate !== 'string')) {
    problems.push(`${where}: ${property} ${describeValue(item)} cannot be checked offline`);
  }
  return values.filter((item): item is string => typeof item === 'string');
}

/**
 * A Resource as far as "is it `*`?" goes: literals as they are; `!Sub '*'` and a `!Ref` to a parameter that
 * may be `*` as `*`; any other intrinsic (`!GetAtt X.Arn`, `!Sub 'arn:...'`, `!Ref Queue`) names resources.
 */
function resourceText(template: Template, resource: Json): string {
  if (typeof resource === 'string') return resource;
  if (isObject(resource) && resource['Fn::Sub'] !== undefined) {
    const sub = resource['Fn::Sub'];
    return (Array.isArray(sub) ? sub[0] : sub) === '*' ? '*' : JSON.stringify(resource);
  }
  const parameter = template.Parameters?.[refOf(resource) ?? ''];
  if (parameter && (parameter.Default === '*' || parameter.AllowedValues?.includes('*'))) return '*';
  return JSON.stringify(resource);
}

/**
 * Least privilege in every IAM role and policy: each Effect is Allow or Deny; no Allow grants a wildcard
 * action (`*`, `service:*`) or uses NotAction/NotResource; `Resource: '*'` only for actions that have no
 * resource-level permissions; no AWSLambdaBasicExecutionRole (it grants logs on `*`, the audit finding).
 * Deny statements may be broad: they take permissions away.
 */
export function checkIamPolicies(template: Template): string[] {
  const problems: string[] = [];
  for (const { where: documentWhere, document, trust } of policyDocuments(template)) {
    for (const [index, statement] of statementsOf(document).entries()) {
      const where = `${documentWhere}.Statement[${index}]`;
      if (!isObject(statement)) {
        problems.push(`${where}: is not a statement`);
        continue;
      }
      if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
        problems.push(`${where}: Effect ${describeValue(statement.Effect)} must be Allow or Deny`);
      }
      if (statement.Effect !== 'Allow') continue;
      for (const property of ['NotAction', 'NotResource']) {
        if (statement[property] !== undefined)
          problems.push(`${where}: Allow with ${property} grants everything else`);
      }
      const actions = strings(where, 'Action', statement.Action, problems);
      for (const action of actions.filter((name) => name === '*' || name.endsWith(':*'))) {
        problems.push(`${where}: Action "${action}" is a wildcard`);
      }
      if (trust) continue;
      const resources = alternatives(statement.Resource).map((resource) => resourceText(template, resource));
      if (resources.includes('*')) {
        const notAllowed = actions.filter((action) => !resourceStarActions.includes(action));
        if (notAllowed.length > 0) {
          problems.push(
            `${where}: Resource "*" for ${notAllowed.join(', ')}, which support resource-level permissions; name the resources`,
          );
        }
      }
    }
  }
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::IAM::Role')) {
    for (const arn of alternatives(resource.Properties?.ManagedPolicyArns)) {
      if (JSON.stringify(arn).includes('AWSLambdaBasicExecutionRole')) {
        problems.push(
          `${logicalId}: ManagedPolicyArns has AWSLambdaBasicExecutionRole (logs on "*"); grant its own log group instead`,
        );
      }
    }
  }
  return problems;
}
