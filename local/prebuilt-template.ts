// template.yaml as the compiled CLI's build parsed it, with the SHA-256 of the text it was parsed from.
// Parsing the YAML (86 KB, CloudFormation's short-form tags) is most of a CLI command's start-up that is
// not node's own: about 130 ms of CPU and as much again in garbage collection, at every command. The build
// (scripts/build-cli.ts) parses it once and embeds the result; local/template.ts uses it only while the file
// still has that exact text, so an edited template.yaml is parsed as before. A module of its own, importing
// nothing, as local/bundled-handlers.ts is: the bundle's entry sets it before the CLI starts.
export interface PrebuiltTemplate {
  /** SHA-256 (hex) of template.yaml's text when the build parsed it. */
  sha256: string;
  /** The parsed template, serialized: parsed anew at each use, so no caller shares an object with another. */
  json: string;
}

export let prebuiltTemplate: PrebuiltTemplate | undefined;

export function usePrebuiltTemplate(template: PrebuiltTemplate | undefined): void {
  prebuiltTemplate = template;
}
