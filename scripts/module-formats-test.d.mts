// Types of module-formats-test.mjs, for the packages' TypeScript tests.
export declare const NO_REQUIRE_ESM: string;
export declare function flagRefusesRequireEsm(pkgDir: string): boolean;
export declare function moduleFormatTests(pkgDir: string): void;
export declare function cjsScriptTests(
  pkgDir: string,
  name: string,
  title: string,
  files: Record<string, string>,
  expected: unknown,
): void;
