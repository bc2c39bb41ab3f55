/** Thrown when the code a scenario measures does not exist yet; reported as "not available", not a failure. */
export class NotAvailableError extends Error {
  override name = 'NotAvailableError';
}
