/**
 * A DictProxy's calls served from its shared table (shared-dict.ts) in the calling thread: the
 * methods of ServedDict (served-containers.ts), by name, with the same answers and errors.
 */
import { NotExposedError } from './manager-errors.js';
import type { SharedDict } from './shared-dict.js';

export function callShared(t: SharedDict, method: string, args: readonly unknown[]): unknown {
  switch (method) {
    case 'get':
      return t.get(args[0], args[1]);
    case 'set':
      t.set(args[0], args[1]);
      return undefined;
    case 'has':
      return t.has(args[0]);
    case 'delete':
      return t.delete(args[0]);
    case 'size':
      return t.size;
    case 'keys':
      return t.entries(true, false);
    case 'values':
      return t.entries(false, true);
    case 'items':
      return t.entries(true, true);
    case 'copy':
      return new Map(t.entries(true, true) as Array<[unknown, unknown]>);
    case 'clear':
      t.clear();
      return undefined;
    case 'update':
      for (const [k, v] of args[0] as Iterable<[unknown, unknown]>) t.set(k, v);
      return undefined;
    case 'pop':
      return t.pop(args[0], args.slice(1));
    case 'setdefault':
      return t.setdefault(args[0], args[1]);
    case 'add':
      return t.add(args[0], args[1]);
    default:
      throw new NotExposedError(`Manager: a managed dict exposes no method ${JSON.stringify(method)}`);
  }
}
