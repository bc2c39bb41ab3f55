import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CLIENT_TYPES_FILE, generateClientTypes, startDocumentServer } from './openapi-document.js';

/** npm run client:generate: remakes src/client/openapi-types.ts from the served /openapi.json. */
const server = await startDocumentServer();
try {
  const document = await (await fetch(`${server.baseUrl}/openapi.json`)).json();
  await writeFile(CLIENT_TYPES_FILE, await generateClientTypes(document));
  console.log(`wrote ${fileURLToPath(CLIENT_TYPES_FILE)}`);
} finally {
  await server.close();
}
