import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CLIENT_TYPES_FILE, generateClientTypes, startDocumentServer } from './openapi-document.js';

/** npm run client:generate: the client's types from the document the service serves. */
const server = await startDocumentServer();
try {
  const document = await (await fetch(`${server.baseUrl}/openapi.json`)).json();
  await writeFile(CLIENT_TYPES_FILE, await generateClientTypes(document));
  process.stdout.write(`wrote ${fileURLToPath(CLIENT_TYPES_FILE)}\n`);
} finally {
  await server.close();
}
