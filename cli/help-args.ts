// Which command lines commander answers alone (help and version): the compiled CLI's entry sends those to
// its help bundle, which loads only commander and the program (and hands a line that runs a command after all
// to the whole CLI: scripts/build-cli.ts's handOverCommands), and every other one to the code-cached bundle
// (cli/code-cache.ts). A module of its own, importing nothing, so that deciding costs nothing.

/** `--help`, `-h`, `help …`, `--version`, `-V` or nothing at all. */
export function answeredByHelp(argv: readonly string[]): boolean {
  return (
    argv.length === 0 ||
    argv[0] === 'help' ||
    argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--version' || arg === '-V')
  );
}
