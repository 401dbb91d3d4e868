// The audit table of the in-memory Region (bench/memory-region.ts): the document client's Put, Get, Query and
// UpdateItem answered from a Map keyed by auditId, as DynamoDB would answer them.
//
// UpdateItem is here for the fleet's control-plane budget (shared/fleet/budget.ts), whose claims are
// conditional updates: the bench measures the budget's pacing, so the conditions are evaluated, not assumed.
// The expression grammar covered is what the runbook sends — SET of a path to a value or path, ADD of a number,
// conditions joined by AND / OR (AND binding tighter, as in DynamoDB) over attribute_exists,
// attribute_not_exists and the comparisons =, <>, <, <=, >, >= — and anything else is refused loudly rather than
// answered wrongly. As in DynamoDB: UpdateItem creates a missing item, a comparison with a missing attribute
// is false, ADD on a missing attribute starts from 0, and every answer is one atomic step (the Map is changed
// after the simulated round trip, in one turn of the event loop).
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html

export type Item = Record<string, unknown>;
export type Answer = (input: Item) => Item | Promise<Item>;

const ITEM_LIMIT = 400 * 1024;
const QUERY_PAGE_BYTES = 1024 * 1024;

export const awsError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });

const unsupported = (what: string) =>
  new Error(`the in-memory table does not evaluate ${what}: extend bench/memory-table.ts`);

interface Expression {
  names: Record<string, string>;
  values: Record<string, unknown>;
}

function attributeName(token: string, expression: Expression): string {
  const path = token.trim();
  if (path.startsWith('#')) {
    const name = expression.names[path];
    if (name === undefined)
      throw awsError('ValidationException', `${path} is not in ExpressionAttributeNames`);
    return name;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(path)) throw unsupported(`the path ${path}`);
  return path;
}

function operand(token: string, item: Item, expression: Expression): unknown {
  const text = token.trim();
  if (text.startsWith(':')) {
    if (!(text in expression.values))
      throw awsError('ValidationException', `${text} is not in ExpressionAttributeValues`);
    return expression.values[text];
  }
  return item[attributeName(text, expression)];
}

const COMPARE: Record<string, (a: number | string, b: number | string) => boolean> = {
  '=': (a, b) => a === b,
  '<>': (a, b) => a !== b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
};

function term(text: string, item: Item, expression: Expression): boolean {
  const call = /^\s*(attribute_exists|attribute_not_exists)\s*\(\s*([^)]+?)\s*\)\s*$/.exec(text);
  if (call) {
    const present = item[attributeName(call[2] as string, expression)] !== undefined;
    return call[1] === 'attribute_exists' ? present : !present;
  }
  const comparison = /^\s*([^<>=\s]+)\s*(<>|<=|>=|=|<|>)\s*([^<>=\s]+)\s*$/.exec(text);
  if (!comparison) throw unsupported(`the condition ${text.trim()}`);
  const left = operand(comparison[1] as string, item, expression);
  const right = operand(comparison[3] as string, item, expression);
  // Missing, or of different types: DynamoDB's comparison is false (and <> true only between two values).
  if (left === undefined || right === undefined || typeof left !== typeof right) return false;
  if (typeof left !== 'number' && typeof left !== 'string') throw unsupported(`comparing ${typeof left}`);
  return (COMPARE[comparison[2] as string] as (a: unknown, b: unknown) => boolean)(left, right);
}

/** Whether `item` (empty when absent) satisfies a condition expression. */
export function satisfies(condition: string, item: Item, expression: Expression): boolean {
  if (/\bNOT\b|\(\s*[^)]*\bOR\b/i.test(condition)) throw unsupported(`the condition ${condition}`);
  return condition
    .split(/\s+OR\s+/i)
    .some((conjunction) => conjunction.split(/\s+AND\s+/i).every((part) => term(part, item, expression)));
}

/** Applies an update expression to a copy of `item`; answers the new item and the attributes it changed. */
export function applyUpdate(update: string, item: Item, expression: Expression) {
  const next = structuredClone(item);
  const changed = new Set<string>();
  const clauses = update.split(/\b(SET|ADD|REMOVE|DELETE)\b/i).slice(1);
  if (clauses.length === 0) throw unsupported(`the update ${update}`);
  for (let i = 0; i < clauses.length; i += 2) {
    const keyword = (clauses[i] as string).toUpperCase();
    for (const action of (clauses[i + 1] as string).split(',')) {
      if (keyword === 'SET') {
        const [path, value, ...rest] = action.split('=');
        if (path === undefined || value === undefined || rest.length > 0 || /[+\-(]/.test(value))
          throw unsupported(`the SET action ${action.trim()}`);
        const name = attributeName(path, expression);
        next[name] = structuredClone(operand(value, item, expression));
        changed.add(name);
      } else if (keyword === 'ADD') {
        const [path, value, ...rest] = action.trim().split(/\s+/);
        if (path === undefined || value === undefined || rest.length > 0)
          throw unsupported(`the ADD action ${action.trim()}`);
        const name = attributeName(path, expression);
        const by = operand(value, item, expression);
        const from = next[name] ?? 0;
        if (typeof by !== 'number' || typeof from !== 'number') throw unsupported('ADD of a non-number');
        next[name] = from + by;
        changed.add(name);
      } else {
        throw unsupported(`${keyword} in ${update}`);
      }
    }
  }
  return { next, changed };
}

const expressionOf = (input: Item): Expression => ({
  names: (input.ExpressionAttributeNames ?? {}) as Record<string, string>,
  values: (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>,
});

function checkCondition(input: Item, current: Item | undefined) {
  if (input.ConditionExpression === undefined) return;
  if (!satisfies(String(input.ConditionExpression), current ?? {}, expressionOf(input)))
    throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
}

/** The document client's commands (by class name) over `table`, keyed by `auditId`. */
export function tableAnswers(table: Map<string, Item>): Record<string, Answer> {
  return {
    PutCommand: (input) => {
      const item = structuredClone(input.Item as Item);
      const bytes = Buffer.byteLength(JSON.stringify(item));
      if (bytes > ITEM_LIMIT)
        throw awsError('ValidationException', 'Item size has exceeded the maximum allowed size');
      checkCondition(input, table.get(String(item.auditId)));
      table.set(String(item.auditId), item);
      return {};
    },
    GetCommand: (input) => {
      const item = table.get(String((input.Key as Item).auditId));
      return item ? { Item: structuredClone(item) } : {};
    },
    UpdateCommand: (input) => {
      const key = (input.Key as Item).auditId;
      if (typeof key !== 'string') throw awsError('ValidationException', 'the key auditId must be a string');
      const current = table.get(key);
      checkCondition(input, current);
      const { next, changed } = applyUpdate(
        String(input.UpdateExpression),
        current ?? {},
        expressionOf(input),
      );
      next.auditId = key;
      table.set(key, next);
      const returned = input.ReturnValues ?? 'NONE';
      if (returned === 'NONE') return {};
      if (returned === 'ALL_NEW') return { Attributes: structuredClone(next) };
      if (returned !== 'UPDATED_NEW') throw unsupported(`ReturnValues ${String(returned)}`);
      return { Attributes: Object.fromEntries([...changed].map((name) => [name, next[name]])) };
    },
    QueryCommand: (input) => {
      const key = input.IndexName === 'byTarget' ? 'target' : 'action';
      const values = input.ExpressionAttributeValues as Item;
      const matching = [...table.values()]
        .filter(
          (item) =>
            item[key] === values[':v'] && (!values[':since'] || String(item.at) >= String(values[':since'])),
        )
        .sort(
          (a, b) =>
            String(b.at).localeCompare(String(a.at)) || String(b.auditId).localeCompare(String(a.auditId)),
        );
      const start = input.ExclusiveStartKey ? Number((input.ExclusiveStartKey as Item).position) : 0;
      const limit = Number(input.Limit ?? Number.POSITIVE_INFINITY);
      const Items: Item[] = [];
      let bytes = 0;
      let position = start;
      while (position < matching.length && Items.length < limit && bytes < QUERY_PAGE_BYTES) {
        const item = matching[position++] as Item;
        bytes += Buffer.byteLength(JSON.stringify(item));
        Items.push(structuredClone(item));
      }
      return { Items, ...(position < matching.length ? { LastEvaluatedKey: { position } } : {}) };
    },
  };
}
