// Lambda accepts a function as a name, a name with a qualifier, or a full or partial ARN
// (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_RequestSyntax); the
// ledger and the AppSpec comparisons use bare names, so both sides of a comparison agree.
import * as z from 'zod';

/**
 * The function name in any of Lambda's forms: `arn:aws:lambda:…:function:name[:qualifier]`,
 * `123456789012:function:name[:qualifier]`, `name:qualifier` or `name` → `name`.
 */
export function functionNameOf(nameOrArn: string): string {
  const marker = nameOrArn.indexOf(':function:');
  const rest = marker >= 0 ? nameOrArn.slice(marker + ':function:'.length) : nameOrArn;
  return rest.split(':')[0] || nameOrArn;
}

// Lambda's rules (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html): a bare name, and every
// form FunctionName takes (a full or partial ARN, a name with a qualifier).
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ANY_FORM =
  /^((?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d:)?)(\d{12}:)?(function:)?([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/;

/**
 * Why `value` is not a bare Lambda function name, in words that say what to give instead: an ARN or a
 * `name:qualifier` (what the console's copy button and `aws lambda list-aliases` show) names the name inside it.
 * Undefined when it is one. Only a value in one of Lambda's forms is quoted back (bounded, nothing but its
 * own characters).
 */
export function functionNameProblem(value: string): string | undefined {
  if (FUNCTION_NAME.test(value)) return undefined;
  const form = value.length <= 256 ? ANY_FORM.exec(value) : null;
  if (!form) return 'expected a Lambda function name (letters, digits, - and _, at most 64)';
  const [, arn, account, , name, qualifier] = form;
  const kind = arn || account ? 'its ARN' : value;
  const alias =
    qualifier && !/^(\d+|\$LATEST)$/.test(qualifier) ? ` (the alias ${qualifier} is its own field)` : '';
  return `expected the function's name, not ${kind}: ${name}${alias}`;
}

/** A bare Lambda function name, refused with functionNameProblem's words. */
export const functionNameSchema = (required = 'functionName is required') =>
  z.string({ error: required }).superRefine((value, ctx) => {
    const problem = functionNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const QUEUE_ARN = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]{1,32}:\d{12}:([A-Za-z0-9_-]{1,75}(?:\.fifo)?)$/;

/**
 * The queue name inside an SQS queue ARN (what the console, a redrive policy's deadLetterTargetArn and an alarm
 * show), to say what to give instead; undefined for anything else. Never taken in its place: the ARN may name
 * another account's queue of the same name.
 */
export function queueNameInArn(value: string): string | undefined {
  return QUEUE_ARN.exec(value)?.[1];
}

/** The region an ARN names (`arn:<partition>:<service>:<region>:…`); undefined for a global one or not an ARN. */
export function regionInArn(value: string): string | undefined {
  return /^arn:aws[a-zA-Z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d):/.exec(value)?.[1];
}

const SCHEDULER_ARN =
  /^arn:aws[a-zA-Z-]*:scheduler:[a-z0-9-]{1,32}:\d{12}:(?:schedule-group\/([0-9a-zA-Z\-_.]{1,64})|schedule\/([0-9a-zA-Z\-_.]{1,64})\/([0-9a-zA-Z\-_.]{1,64}))$/;

/**
 * What a schedule group's or a schedule's ARN names (what the EventBridge Scheduler console shows), to say what
 * to give instead: `group` alone for a group, `group/name` for a schedule; undefined for anything else. Never
 * taken in its place, as for queues: the ARN may be another account's.
 */
export function schedulerNameInArn(value: string): string | undefined {
  const match = SCHEDULER_ARN.exec(value);
  if (!match) return undefined;
  return match[1] ?? `${match[2]}/${match[3]}`;
}

/**
 * A name `accepts` takes; anything else is refused with `message(named)`, `named` being what `nameInArn` finds in
 * an ARN pasted for it (queueNameInArn, schedulerNameInArn), to say what to give instead, never to take instead.
 */
export const arnHintedSchema = (
  accepts: (value: string) => boolean,
  nameInArn: (value: string) => string | undefined,
  message: (named: string | undefined) => string,
  base: z.ZodString = z.string(),
) =>
  base.superRefine((value, ctx) => {
    if (!accepts(value)) ctx.addIssue({ code: 'custom', message: message(nameInArn(value)) });
  });

/** A Scheduler group or schedule name matching `pattern`, or what to give instead of an ARN pasted for it. */
export const schedulerNameSchema = (pattern: RegExp, expected: string, base: z.ZodString = z.string()) =>
  arnHintedSchema(
    (value) => pattern.test(value),
    schedulerNameInArn,
    (named) => (named ? `${expected}, not an ARN: ${named}` : expected),
    base,
  );
