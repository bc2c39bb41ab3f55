import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
// Random bytes are drawn in bulk: one crypto call per 512 ids instead of one per id.
const POOL = Buffer.alloc(16 * 512);
let poolOffset = POOL.length;

let lastMs = 0;
let counter = 0;

/**
 * UUID version 7: a millisecond timestamp first, so ids sort by creation time and keyset
 * pagination on id lists newest first. A 12-bit counter keeps ids from one process strictly
 * increasing within a millisecond.
 */
export function uuidv7(): string {
  if (poolOffset + 10 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  let now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = POOL[poolOffset++]! & 0x3f; // a random start, leaving room to count up
  } else {
    counter++;
    if (counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
    now = lastMs;
  }
  const r = poolOffset;
  poolOffset += 8;
  const time = now.toString(16).padStart(12, '0');
  return (
    `${time.slice(0, 8)}-${time.slice(8, 12)}-` +
    `${HEX[0x70 | ((counter >> 8) & 0x0f)]}${HEX[counter & 0xff]}-` +
    `${HEX[0x80 | (POOL[r]! & 0x3f)]}${HEX[POOL[r + 1]!]}-` +
    `${HEX[POOL[r + 2]!]}${HEX[POOL[r + 3]!]}${HEX[POOL[r + 4]!]}${HEX[POOL[r + 5]!]}${HEX[POOL[r + 6]!]}${HEX[POOL[r + 7]!]}`
  );
}
