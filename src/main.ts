import { exitOnStartFailure, serve } from './service/serve.js';

// `npm start`: the service, built from the same public API a program uses (see service/serve.ts).
if (process.argv[2] === 'rotate-keys') {
  const { runRotateKeys } = await import('./rotate-keys-command.js');
  process.exit(await runRotateKeys(process.argv.slice(3)));
}
serve(process.argv.slice(2)).catch(exitOnStartFailure);
