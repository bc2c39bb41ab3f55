import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../logger.js';
import type { Pgtask } from './create-pgtask.js';

/** What `pgtask/http` needs of an instance and the public type does not show. */
export interface PgtaskInternals {
  config: Config;
  log: Logger;
  /** The started engine; throws before start() has finished. */
  engine(): Engine;
}

const internals = new WeakMap<Pgtask, PgtaskInternals>();

export function registerInternals(pgtask: Pgtask, value: PgtaskInternals): void {
  internals.set(pgtask, value);
}

export function internalsOf(pgtask: Pgtask): PgtaskInternals {
  const value = internals.get(pgtask);
  if (!value) throw new TypeError('createApp() takes the instance createPgtask() returned');
  return value;
}
