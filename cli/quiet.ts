// The AWS SDK warns on every client that Node 20 support ends in 2027. The deployed runtime is nodejs22.x;
// the warning is about this machine's tooling and would bury the CLI's own output, so drop that one only.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const name = typeof warning === 'string' ? rest[0] : warning.name;
  const text = typeof warning === 'string' ? warning : warning.message;
  if (name === 'NodeVersionSupportWarning' || /AWS SDK for JavaScript \(v3\)[\s\S]*node >=22/.test(text))
    return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
