// The one place errors are shown to the user.
import { ApiError } from './api.js';

const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));

/** Shows an error (or clears it). Views call it for failed requests. */
export function showError(error) {
  if (!error) {
    notice.hidden = true;
    notice.textContent = '';
    return;
  }
  notice.hidden = false;
  if (error instanceof ApiError && error.status === 401) {
    notice.textContent = 'This server needs a bearer token: paste it in the Token field above.';
  } else if (error instanceof ApiError && error.status === 403) {
    notice.textContent = `Not allowed with this token: ${error.message}`;
  } else {
    notice.textContent = error instanceof Error ? error.message : String(error);
  }
}
