// The Lambda target of a CodeDeploy AppSpec: which function and alias a deployment shifts, from which version
// to which. https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-lambda
// SAM and CloudFormation write the AppSpec as JSON; that is the only form read here (no YAML parser in a
// bundle): anything else is "unreadable", which a hook treats as a reason to fail closed.

export interface AppSpecTarget {
  /** The bare function name (an ARN in the AppSpec is reduced to it). */
  name: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/** The function name inside an ARN (`arn:aws:lambda:…:function:name[:qualifier]`), or the name as given. */
export function bareFunctionName(name: string): string {
  return name.includes(':function:') ? (name.split(':function:')[1]?.split(':')[0] ?? name) : name;
}

/**
 * Every Lambda target in a JSON AppSpec (`Resources[].<name>.Properties.{Name, Alias, CurrentVersion,
 * TargetVersion}`); undefined when the text is not a JSON AppSpec with at least one complete Lambda target.
 */
export function parseAppSpec(content: string | undefined): AppSpecTarget[] | undefined {
  if (!content) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (!isObject(document) || !Array.isArray(document.Resources)) return undefined;
  const targets: AppSpecTarget[] = [];
  for (const entry of document.Resources) {
    if (!isObject(entry)) return undefined;
    for (const resource of Object.values(entry)) {
      if (!isObject(resource) || !isObject(resource.Properties)) return undefined;
      if (resource.Type !== undefined && resource.Type !== 'AWS::Lambda::Function') return undefined;
      const props = resource.Properties;
      const name = text(props.Name);
      const alias = text(props.Alias);
      const currentVersion = text(props.CurrentVersion);
      const targetVersion = text(props.TargetVersion);
      if (!name || !alias || !currentVersion || !targetVersion) return undefined;
      targets.push({ name: bareFunctionName(name), alias, currentVersion, targetVersion });
    }
  }
  return targets.length > 0 ? targets : undefined;
}
