// The handlers the compiled CLI carries in its bundle, keyed by their entry point in template.yaml.
// It runs without a TypeScript loader, so local/invoke.ts cannot import `functions/<name>/handler.ts`
// there; scripts/build-cli.ts registers each handler's chunk here instead. A module of its own, importing
// nothing: the bundle's entry sets it before the CLI starts, without loading the invoker.
export type HandlerModule = Record<string, unknown>;

export const bundledHandlers: Record<string, () => Promise<HandlerModule>> = {};

export function useBundledHandlers(modules: Record<string, () => Promise<HandlerModule>>): void {
  Object.assign(bundledHandlers, modules);
}
