import { writeFile } from 'node:fs/promises';
import { startDocumentServer } from './openapi-document.js';

/** Writes the served /openapi.json to the file given (npm run openapi:lint lints it). */
const target = process.argv[2] ?? '.test-data/openapi.json';
const server = await startDocumentServer();
try {
  const document = await (await fetch(`${server.baseUrl}/openapi.json`)).json();
  await writeFile(target, `${JSON.stringify(document, null, 2)}\n`);
} finally {
  await server.close();
}
