import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { glob, isDynamicPattern } from 'tinyglobby';
import { handlersOfModule } from '../tasks/module-exports.js';
import type { TaskHandler } from '../tasks/task-handler.js';

/** A handler module the service cannot use; serve prints the message (one line) and exits 2. */
export class HandlerModuleError extends Error {
  override name = 'HandlerModuleError';
}

export interface LoadedModule {
  file: string;
  handlers: TaskHandler[];
}

export interface LoadHandlerModulesOptions {
  /** Absolute files or globs (config `tasks.modules`, already resolved against the config file). */
  patterns: readonly string[];
  /** Types registered before the modules, with who owns each ("a built-in type", "tasks.external"). */
  taken: ReadonlyMap<string, string>;
  /** Told about a glob that matched no file (not an error: an empty mounted folder is fine). */
  onEmptyGlob?: (pattern: string) => void;
}

/**
 * Imports each handler module once, in the order listed (files of one glob sorted by path), and
 * returns their handlers. A literal path that does not exist, a module that fails to import or
 * exports no handler, and a type that is already taken are each a HandlerModuleError naming the
 * file and the problem.
 */
export async function loadHandlerModules(options: LoadHandlerModulesOptions): Promise<LoadedModule[]> {
  const owners = new Map(options.taken);
  const loaded: LoadedModule[] = [];
  const seen = new Set<string>();
  for (const pattern of options.patterns) {
    for (const file of await filesOf(pattern, options.onEmptyGlob)) {
      if (seen.has(file)) continue;
      seen.add(file);
      const handlers = await importHandlers(file);
      for (const handler of handlers) {
        const owner = owners.get(handler.type);
        if (owner !== undefined) {
          throw new HandlerModuleError(
            `tasks.modules: ${file} defines task type ${handler.type}, which is already taken by ${owner === file ? 'another handler in the same file' : owner}`,
          );
        }
        owners.set(handler.type, file);
      }
      loaded.push({ file, handlers });
    }
  }
  return loaded;
}

async function filesOf(pattern: string, onEmptyGlob?: (pattern: string) => void): Promise<string[]> {
  if (!isDynamicPattern(pattern)) {
    let isFile = false;
    try {
      isFile = statSync(pattern).isFile();
    } catch (error) {
      throw new HandlerModuleError(
        `tasks.modules: ${pattern} cannot be read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      );
    }
    if (!isFile)
      throw new HandlerModuleError(`tasks.modules: ${pattern} is not a file (a folder? use ${pattern}/*.js)`);
    return [pattern];
  }
  const files = (await glob(pattern, { absolute: true, onlyFiles: true, expandDirectories: false })).sort();
  if (files.length === 0) onEmptyGlob?.(pattern);
  return files;
}

async function importHandlers(file: string): Promise<TaskHandler[]> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new HandlerModuleError(`tasks.modules: ${file} failed to load: ${firstLine(error)}`);
  }
  const found = handlersOfModule(module);
  if ('problem' in found) throw new HandlerModuleError(`tasks.modules: ${file} ${found.problem}`);
  return found.handlers;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0]!.trim();
}
