// A TypeScript module task: Pool, Process and Piscina load it where the runtime runs .ts files
// (Bun, Deno, Node 22.6+ type stripping, tsx).
export function cube(x: number): number {
  const y: number = x * x * x;
  return y;
}
