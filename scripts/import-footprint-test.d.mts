// Types of import-footprint-test.mjs, for the packages' TypeScript tests.
export declare function fresh(cwd: URL, lines: string[]): Record<string, unknown>;
export declare const BUILTINS: string[];
export declare function readsOf(spec: string): string[];
