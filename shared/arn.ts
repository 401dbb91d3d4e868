// Lambda accepts a function as a name, a name with a qualifier, or a full or partial ARN
// (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_RequestSyntax); the
// ledger and the AppSpec comparisons use bare names, so both sides of a comparison agree.

/**
 * The function name in any of Lambda's forms: `arn:aws:lambda:…:function:name[:qualifier]`,
 * `123456789012:function:name[:qualifier]`, `name:qualifier` or `name` → `name`.
 */
export function functionNameOf(nameOrArn: string): string {
  const marker = nameOrArn.indexOf(':function:');
  const rest = marker >= 0 ? nameOrArn.slice(marker + ':function:'.length) : nameOrArn;
  return rest.split(':')[0] || nameOrArn;
}
