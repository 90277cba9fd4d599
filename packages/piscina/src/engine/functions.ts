/**
 * Function ids: each (module, export) pair a pool runs gets a small number that travels in every
 * task record (16 bits), instead of the two strings; a worker is told what an id stands for once
 * (a REQ_DEFINE record). Id 0 is the pool's default (options.filename, options.name), which every
 * worker loads at start-up.
 */
import { InvalidArgumentError } from '@sabkit/atomics-sync/core';
import { MAX_FUNCTIONS } from '../dispatch/wire.js';

export class FunctionTable {
  readonly #ids = new Map<string, number>();
  #next: number;
  // One-entry cache: a pool mostly runs one function at a time, and building the key costs more
  // than the rest of the lookup.
  #lastFile = '';
  #lastName = '';
  #lastId = -1;

  constructor(defaultFilename: string | null, defaultName: string) {
    if (defaultFilename !== null) this.#ids.set(`${defaultFilename}\0${defaultName}`, 0);
    this.#next = 1;
  }

  /** The id of (filename, name), assigned on first use. Throws past MAX_FUNCTIONS pairs. */
  id(filename: string, name: string): number {
    if (filename === this.#lastFile && name === this.#lastName) return this.#lastId;
    const key = `${filename}\0${name}`;
    let id = this.#ids.get(key);
    if (id === undefined) {
      if (this.#next > MAX_FUNCTIONS)
        throw new InvalidArgumentError(`a pool can run at most ${MAX_FUNCTIONS} different (filename, name) pairs`);
      id = this.#next++;
      this.#ids.set(key, id);
    }
    this.#lastFile = filename;
    this.#lastName = name;
    this.#lastId = id;
    return id;
  }
}
