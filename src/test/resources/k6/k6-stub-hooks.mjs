// Module resolution hook: every "k6" or "k6/..." import resolves to k6-stubs.mjs.
export async function resolve(specifier, context, next) {
  if (specifier === "k6" || specifier.startsWith("k6/")) {
    return { url: new URL("./k6-stubs.mjs", import.meta.url).href, shortCircuit: true };
  }
  return next(specifier, context);
}
