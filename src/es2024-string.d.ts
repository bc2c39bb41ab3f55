// Node 20 has these (ES2024); the ES2024 lib as a whole would also retype Uint8Array, which
// breaks fetch bodies in the DOM lib, so only these two are declared.
interface String {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
