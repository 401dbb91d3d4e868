// The statements of a role's inline policies, as the IAM template tests read them.
import type { JsonObject, Template } from '../../local/template.js';
import { alternatives, ifOf, isObject } from './intrinsics.js';

/** Every statement of `role`'s inline policies; one under `!If [Cond, statement, NoValue]` carries `when: Cond`. */
export function statementsOf(template: Template, role: string): { statement: JsonObject; when?: string }[] {
  const policies = template.Resources[role]?.Properties?.Policies;
  return (Array.isArray(policies) ? policies : []).flatMap((policy) => {
    const document = isObject(policy) && isObject(policy.PolicyDocument) ? policy.PolicyDocument : {};
    const items = Array.isArray(document.Statement) ? document.Statement : [];
    return items.flatMap((item) => {
      const branches = ifOf(item);
      if (branches && isObject(branches[1])) return [{ statement: branches[1], when: branches[0] }];
      return isObject(item) ? [{ statement: item }] : [];
    });
  });
}

/** A statement's actions, as a list whether written as one or many. */
export const actionsOf = (statement: JsonObject): string[] => alternatives(statement.Action).map(String);
