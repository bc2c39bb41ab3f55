/** LISTEN/NOTIFY channels every node shares. */
export const ENQUEUE_CHANNEL = 'pgtask_enqueue';
/** Payload: a task id; the node running or holding it aborts or drops it. */
export const CANCEL_CHANNEL = 'pgtask_cancel';
/** Payload: a queue name whose pause state or settings changed. */
export const QUEUE_CHANNEL = 'pgtask_queue';
