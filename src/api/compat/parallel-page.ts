/**
 * The parallel queue's web UI until the dashboard takes over `GET /`: the active and scheduled
 * tasks, refreshed from GET /tasks on every WebSocket event (and every 2 s as a fallback), and
 * the last events. Plain HTML and a few lines of script; no build step.
 */
export const PARALLEL_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pgtask · parallel queue</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1.5rem; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1rem; }
  ul { list-style: none; padding: 0; margin: 0; } li { padding: .2rem 0; border-bottom: 1px solid #eee; }
  code { background: #f4f4f4; padding: 0 .3rem; } #status { color: #888; }
</style>
</head>
<body>
<h1>Parallel queue <small id="status">connecting…</small></h1>
<main>
  <section><h2>Active</h2><ul id="active"></ul></section>
  <section><h2>Scheduled</h2><ul id="scheduled"></ul></section>
  <section><h2>Events</h2><ul id="events"></ul></section>
</main>
<script>
const token = new URLSearchParams(location.search).get('token');
const headers = token ? { authorization: 'Bearer ' + token } : {};
const item = (id, ms) => { const li = document.createElement('li'); li.innerHTML = '<code></code> '; li.firstChild.textContent = id; li.append(ms + ' ms'); return li; };
async function refresh() {
  try {
    const body = await (await fetch('/tasks', { headers })).json();
    document.getElementById('active').replaceChildren(...Object.entries(body.active).map(([id, ms]) => item(id, ms)));
    document.getElementById('scheduled').replaceChildren(...body.scheduled.map((e) => item(...Object.entries(e)[0])));
  } catch {}
}
function connect() {
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' + (token ? '?token=' + encodeURIComponent(token) : ''));
  ws.onopen = () => { document.getElementById('status').textContent = 'live'; refresh(); };
  ws.onclose = () => { document.getElementById('status').textContent = 'reconnecting…'; setTimeout(connect, 1000); };
  ws.onmessage = (message) => {
    const li = document.createElement('li'); li.textContent = message.data;
    const events = document.getElementById('events'); events.prepend(li);
    while (events.children.length > 50) events.lastChild.remove();
    refresh();
  };
}
connect(); refresh(); setInterval(refresh, 2000);
</script>
</body>
</html>
`;
