// A task module, installed on every worker machine under its --root (here: examples/tasks).
import { reportProgress } from '@sabkit/cluster/task';

export interface Order {
  readonly id: string;
  readonly lines: ReadonlyArray<{ readonly sku: string; readonly qty: number; readonly price: number }>;
}

/** Scores an order: its total, and a (deliberately slow) risk figure, reporting progress per line. */
export function score(order: Order): { id: string; total: number; risk: number } {
  let total = 0;
  let risk = 0;
  order.lines.forEach((line, i) => {
    total += line.qty * line.price;
    for (let k = 0; k < 20_000; k++) risk = (risk * 31 + line.qty * k) % 1_000_003;
    reportProgress({ order: order.id, line: i + 1, of: order.lines.length });
  });
  return { id: order.id, total: Math.round(total * 100) / 100, risk: risk / 1_000_003 };
}
