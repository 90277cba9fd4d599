/**
 * The queue of tasks waiting for room in a worker (piscina's TaskQueue contract, so custom queues
 * written for piscina work unchanged).
 *
 * Tasks leave this queue as soon as a worker's request ring has room for them, so with the default
 * FIFO the queue only holds what the workers cannot take yet. A custom queue decides the order in
 * which waiting tasks are handed out (e.g. by priority, read from `task[queueOptionsSymbol]`,
 * which is the `queueOptionsSymbol` property of the value passed to run()).
 */
import { kQueueOptions } from '../movable.js';

/** What a custom `taskQueue` holds: a queued task, opaque but for piscina's queue-options symbol. */
export interface Task {
  readonly [kQueueOptions]: object | null;
}

/** What a custom queue sees of a task. */
export interface PiscinaTask extends Task {
  readonly taskId: number;
  readonly filename: string;
  readonly name: string;
  /** performance.now() when run() was called. */
  readonly created: number;
  readonly isAbortable: boolean;
}

/** piscina's `TaskQueue`: the `taskQueue` option's shape (`FixedQueue` and `ArrayTaskQueue` are two). */
export interface TaskQueue {
  readonly size: number;
  shift(): Task | null;
  remove(task: Task): void;
  push(task: Task): void;
  /** Optional: puts a task back at the front (used when a worker dies before starting it). */
  unshift?(task: Task): void;
}

export function isTaskQueue(value: unknown): value is TaskQueue {
  const q = value as TaskQueue;
  return (
    typeof value === 'object' &&
    value !== null &&
    'size' in q &&
    typeof q.shift === 'function' &&
    typeof q.remove === 'function' &&
    typeof q.push === 'function'
  );
}

/** A FIFO on a plain array (piscina's ArrayTaskQueue). shift() is O(n); prefer FixedQueue. */
export class ArrayTaskQueue implements TaskQueue {
  readonly tasks: Task[] = [];
  get size(): number {
    return this.tasks.length;
  }
  isEmpty(): boolean {
    return this.tasks.length === 0;
  }
  shift(): Task | null {
    return this.tasks.shift() ?? null;
  }
  push(task: Task): void {
    this.tasks.push(task);
  }
  unshift(task: Task): void {
    this.tasks.unshift(task);
  }
  remove(task: Task): void {
    const i = this.tasks.indexOf(task);
    if (i >= 0) this.tasks.splice(i, 1);
  }
}

/**
 * The default FIFO: a growable circular buffer, O(1) push, shift and unshift; remove is a scan
 * (only aborts of queued tasks remove).
 */
export class FixedQueue implements TaskQueue {
  #items: (Task | undefined)[] = new Array(64);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** True if no task is waiting (piscina's FixedQueue.isEmpty()). */
  isEmpty(): boolean {
    return this.#size === 0;
  }

  push(task: Task): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = task;
    this.#size++;
  }

  unshift(task: Task): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#items.length - 1);
    this.#items[this.#head] = task;
    this.#size++;
  }

  shift(): Task | null {
    if (this.#size === 0) return null;
    const t = this.#items[this.#head]!;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return t;
  }

  remove(task: Task): void {
    const mask = this.#items.length - 1;
    for (let i = 0; i < this.#size; i++) {
      if (this.#items[(this.#head + i) & mask] !== task) continue;
      for (let j = i; j < this.#size - 1; j++)
        this.#items[(this.#head + j) & mask] = this.#items[(this.#head + j + 1) & mask];
      this.#items[(this.#head + this.#size - 1) & mask] = undefined;
      this.#size--;
      return;
    }
  }

  #grow(): void {
    const old = this.#items;
    const next: (Task | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
