// The manager layer: re-exports only.
export { BaseManager } from './base-manager.js';
export type { BaseManagerOptions, RegisterOptions, Address } from './manager-options.js';
export { SyncManager, DataManager } from './sync-manager.js';
export { Manager, type ManagerOptions } from './manager.js';
export { Server } from './server.js';
export { BaseProxy, AutoProxy } from './proxy-base.js';
export { TableProxy } from './table-proxy.js';
export {
  DictProxy,
  ListProxy,
  NamespaceProxy,
  QueueProxy,
  JoinableQueueProxy,
  ValueProxy,
  ArrayProxy,
  pyRepr,
} from './proxies.js';
export { AcquirerProxy, LockProxy, SemaphoreProxy, ConditionProxy, EventProxy, BarrierProxy } from './sync-proxies.js';
export {
  AuthenticationError,
  ManagerStartError,
  ManagerConnectionError,
  NotExposedError,
  ManagerNetworkUnavailableError,
} from './manager-errors.js';
// The objects a server holds, for a server script's registered callables (one object shared by
// every client: register('getQueue', () => queue)).
export {
  ServedDict,
  ServedList,
  ServedNamespace,
  ServedQueue,
  ServedValue,
  ServedArray,
} from './served-containers.js';
export {
  ServedLock,
  ServedRLock,
  ServedSemaphore,
  ServedCondition,
  ServedEvent,
  ServedBarrier,
} from './served-sync.js';
