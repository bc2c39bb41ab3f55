import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_TYPES_FILE,
  generateClientTypes,
  startDocumentServer,
} from '../../scripts/openapi-document.js';

describe("the client's generated types", () => {
  let server: Awaited<ReturnType<typeof startDocumentServer>>;
  beforeAll(async () => {
    server = await startDocumentServer();
  });
  afterAll(() => server?.close());

  it('match what the served /openapi.json generates (run `npm run client:generate` when this fails)', async () => {
    const document = await (await fetch(`${server.baseUrl}/openapi.json`)).json();
    const checkedIn = await readFile(CLIENT_TYPES_FILE, 'utf8');
    // Compared whole, so a route, field or limit changed on the server fails here until regenerated.
    expect(checkedIn === (await generateClientTypes(document)), 'src/client/openapi-types.ts is stale').toBe(
      true,
    );
  });
});
