/**
 * Polls until `condition` holds, for a state no event announces (a count in memory, a process's
 * output). The deadline is generous on purpose: it bounds a hang, it is not a speed requirement.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  options: { what?: string; timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${options.what ?? 'condition'}: not met in ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, options.everyMs ?? 20));
  }
}
