// npm run measures: a picture of the measures in README's contributor notes (issue 14) — function length,
// logic-file length, handler length, repeated logic, import circles and layering. It always exits 0: a
// picture to steer by, not a lint that blocks.
//
// It reads the source as Biome formats it (two-space indentation, a block closed by `}` at the indentation
// it opened at), which is what lets it measure functions without a parser; it is a picture, not a proof.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LIMITS = { functionLines: 80, logicFileLines: 300, handlerLines: 40, repeatedLines: 6 };
/** Lower layers never import higher ones. */
const LAYERS: Record<string, number> = { shared: 0, functions: 1, local: 2, cli: 3, scripts: 3, bench: 4 };

function sources(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) found.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

const text = new Map<string, string[]>();
const linesOf = (file: string) => {
  if (!text.has(file)) text.set(file, readFileSync(join(ROOT, file), 'utf8').split('\n'));
  return text.get(file) as string[];
};
const indentOf = (line: string) => line.length - line.trimStart().length;

const FUNCTION_START = [
  /^(?:export )?(?:default )?(?:async )?function\*? ?(\w*)\s*[<(]/,
  /^(?:export )?(?:const|let) (\w+)(?::[^=]+)? = (?:async )?(?:\(.*\)|\w+)(?:: [^=]+)? =>/,
  /^(?:export )?(?:const|let) (\w+)(?::[^=]+)? = (?:async )?(?:<[^>]+>)?\($/,
  /^(\w+): (?:async )?(?:\(.*\)|\w+)(?:: [^=]+)? => \{$/,
  /^(?:(?:private|public|protected|static|readonly|override|async|get|set) )*(?!(?:if|for|while|switch|catch|return|function)\b)(\w+)\s*\(.*\)(?::\s*.+)? \{$/,
];

interface Measured {
  file: string;
  name: string;
  line: number;
  lines: number;
}

/** Every function's length, from its first line to the line that closes it at the same indentation. */
function functionsIn(file: string): Measured[] {
  const lines = linesOf(file);
  const found: Measured[] = [];
  lines.forEach((line, start) => {
    const body = line.trimStart();
    const match = FUNCTION_START.map((pattern) => pattern.exec(body)).find(Boolean);
    if (!match) return;
    const indent = indentOf(line);
    let end = start;
    for (let j = start + 1; j < lines.length; j += 1) {
      const next = lines[j] as string;
      if (next.trim() === '') continue;
      if (indentOf(next) > indent) {
        end = j;
        continue;
      }
      if (indentOf(next) === indent && /^[})\]]/.test(next.trimStart())) {
        end = j;
        if (next.trimStart().startsWith('}')) break;
        continue;
      }
      break;
    }
    found.push({ file, name: match[1] || '(anonymous)', line: start + 1, lines: end - start + 1 });
  });
  return found;
}

interface Edge {
  from: string;
  to: string;
}

/**
 * Relative imports, re-exports, side-effect imports (`import './x.js'`) and dynamic imports (`await
 * import('./x.js')`, how the CLI loads its commands), resolved to files (`./x.js` is `./x.ts`). A dynamic
 * import is an arrow too: loaded later, it still ties the two modules together.
 */
export function importsIn(source: string, file: string, known: ReadonlySet<string>): string[] {
  const targets = new Set<string>();
  const patterns = [
    /^(?:import|export)[^;]*?from '(\.{1,2}\/[^']+)'/gms,
    /^import '(\.{1,2}\/[^']+)'/gm,
    /^(?!\s*(?:\/\/|\*)).*?\bimport\('(\.{1,2}\/[^']+)'\)/gm,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      const target = relative(
        ROOT,
        resolve(ROOT, dirname(file), (match[1] as string).replace(/\.js$/, '.ts')),
      );
      // Only files measured here: a path inside a string (a bundle entry written by build-cli.ts) is not one.
      if (known.has(target)) targets.add(target);
    }
  }
  return [...targets];
}

/** Strongly connected components of more than one file (Tarjan): each is an import circle. */
export function circles(files: string[], edges: Map<string, string[]>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    order.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) as number, order.get(next) as number));
      }
    }
    if (low.get(file) === order.get(file)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const file of files) if (!order.has(file)) visit(file);
  return found;
}

/** Runs of `repeatedLines` significant lines that appear in more than one place, as `file:line` groups. */
function repeats(files: string[]): string[][] {
  const seen = new Map<string, string[]>();
  for (const file of files) {
    const significant = linesOf(file)
      .map((line, at) => ({ text: line.trim(), at: at + 1 }))
      .filter(
        ({ text: line }) => line !== '' && !/^(\/\/|\*|\/\*\*|import |export \{|[})\];,]+$)/.test(line),
      );
    for (let i = 0; i + LIMITS.repeatedLines <= significant.length; i += 1) {
      const window = significant.slice(i, i + LIMITS.repeatedLines);
      const key = window.map((line) => line.text).join('\n');
      if (key.length < 160) continue; // short boilerplate (closing braces, one-word lines) is not logic
      const where = `${file}:${window[0]?.at}`;
      seen.set(key, [...(seen.get(key) ?? []), where]);
    }
  }
  // Overlapping windows of one repeated block count once: keep the first window of each run.
  const groups = [...seen.values()].filter((where) => where.length > 1);
  const reported = new Set<string>();
  return groups.filter((where) => {
    const near = where.some((place) => {
      const [file, line] = place.split(':');
      return [1, 2, 3, 4, 5].some((back) => reported.has(`${file}:${Number(line) - back}`));
    });
    for (const place of where) reported.add(place);
    return !near;
  });
}

function main(): void {
  const all = Object.keys(LAYERS).flatMap(sources);
  const logic = all.filter((file) => /^(functions|shared)\//.test(file));
  const out: string[] = [];
  const section = (title: string, rows: string[]) => {
    out.push(`${title}: ${rows.length === 0 ? 'none' : rows.length}`);
    for (const row of rows) out.push(`  ${row}`);
  };

  const longFunctions = logic
    .flatMap(functionsIn)
    .filter((item) => item.lines > LIMITS.functionLines)
    .sort((a, b) => b.lines - a.lines);
  section(
    `functions over ${LIMITS.functionLines} lines in functions/ and shared/`,
    longFunctions.map(
      (item) => `${item.lines.toString().padStart(4)}  ${item.file}:${item.line} ${item.name}`,
    ),
  );

  const handlers = logic.filter((file) => file.endsWith('/handler.ts'));
  const lengthRows = (files: string[], limit: number) =>
    files
      .map((file) => ({ file, lines: linesOf(file).length - (linesOf(file).at(-1) === '' ? 1 : 0) }))
      .filter((item) => item.lines > limit)
      .sort((a, b) => b.lines - a.lines)
      .map((item) => `${item.lines.toString().padStart(4)}  ${item.file}`);
  section(
    `logic files over ${LIMITS.logicFileLines} lines`,
    lengthRows(
      logic.filter((file) => !handlers.includes(file)),
      LIMITS.logicFileLines,
    ),
  );
  section(`handlers over ${LIMITS.handlerLines} lines`, lengthRows(handlers, LIMITS.handlerLines));

  const known = new Set(all);
  const edges = new Map(all.map((file) => [file, importsIn(linesOf(file).join('\n'), file, known)]));
  section(
    'import circles',
    circles(all, edges).map((component) => component.join(' ↔ ')),
  );
  const layer = (file: string) => LAYERS[file.split('/')[0] as string] ?? 0;
  const folder = (file: string) => file.split('/').slice(0, 2).join('/');
  const upward: Edge[] = [];
  for (const [from, targets] of edges) {
    for (const to of targets) {
      // functions/fleet and functions/approvals compose the other actions (a fleet rollback is the rollback's own
      // action per workload; an approved drain is the drainer's own action): the folders allowed to import another
      // function's entry points.
      const crossesFunctions =
        from.startsWith('functions/') &&
        !/^functions\/(fleet|approvals)\//.test(from) &&
        to.startsWith('functions/') &&
        folder(from) !== folder(to);
      if (layer(to) > layer(from) || crossesFunctions) upward.push({ from, to });
    }
  }
  section(
    'imports from a lower layer to a higher one (shared < functions < local < cli, scripts < bench), or between functions',
    upward.map((edge) => `${edge.from} → ${edge.to}`),
  );

  const production = all.filter((file) => /^(functions|shared|local|cli)\//.test(file));
  section(
    `logic repeated in ${LIMITS.repeatedLines}+ lines (functions, shared, local, cli)`,
    repeats(production).map((where) => where.join('  =  ')),
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

// Run as a script (npm run measures), not when a test imports the readers above.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
