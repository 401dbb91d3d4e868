// Which command lines commander answers alone (help and version): the compiled CLI's entry sends those to
// its ES module build, which loads only commander, and every other one to the code-cached bundle
// (cli/code-cache.ts). A module of its own, importing nothing, so that deciding costs nothing.

/** `--help`, `-h`, `help …`, `--version`, `-V` or nothing at all. */
export function answeredByHelp(argv: readonly string[]): boolean {
  return (
    argv.length === 0 ||
    argv[0] === 'help' ||
    argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--version' || arg === '-V')
  );
}
