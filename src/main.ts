import { exitOnStartFailure, serve } from './service/serve.js';

// `npm start`: the service, built from the same public API a program uses (see service/serve.ts).
serve(process.argv.slice(2)).catch(exitOnStartFailure);
