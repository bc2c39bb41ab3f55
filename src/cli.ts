#!/usr/bin/env node
import { exitOnStartFailure, migrate, serve } from './service/serve.js';

const USAGE = `usage: pgtask [serve] [--config FILE] [--port N] [--pool-size N] [--queue-size N]
       pgtask migrate [--config FILE]
       pgtask rotate-keys [--config FILE]

serve (the default) runs the service as npm start does; migrate applies the database
migrations to the configured PostgreSQL (DATABASE_URL, storage.*, else the embedded one) and exits;
rotate-keys re-encrypts payloads and results with the first of security.encryptionKeys.`;

const [command, ...rest] = process.argv.slice(2);
if (command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(`${USAGE}\n`);
} else if (command === 'migrate') {
  migrate(rest).then(() => process.exit(0), exitOnStartFailure);
} else if (command === 'rotate-keys') {
  const { runRotateKeys } = await import('./rotate-keys-command.js');
  process.exit(await runRotateKeys(rest));
} else if (command === 'serve') {
  serve(rest).catch(exitOnStartFailure);
} else if (command === undefined || command.startsWith('-')) {
  serve(process.argv.slice(2)).catch(exitOnStartFailure);
} else {
  process.stderr.write(`pgtask: unknown command "${command}"\n${USAGE}\n`);
  process.exit(2);
}
