import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The version of a peer as installed in bench/peers/node_modules, for results.json. */
export function installedVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    // Packages whose "exports" hide package.json: read it from the resolved entry's folder.
    const entry = require.resolve(name);
    const root = entry.slice(
      0,
      entry.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}/`.length,
    );
    return (require(`${root}package.json`) as { version: string }).version;
  }
}
