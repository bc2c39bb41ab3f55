#!/usr/bin/env node
/**
 * Start-up time and memory of the service, from TypeScript through tsx (how `npm start` ran it
 * before the build) and compiled (`node dist/main.js`), on the same PostgreSQL, alternating runs:
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node scripts/measure-start-up.mjs [runs] [tasks]
 *
 * Per run: a fresh database; time from spawn to the first /readyz 200; RSS after 5 s idle; the
 * peak RSS (VmHWM) after a drain of `tasks` Sleep 0 tasks enqueued over HTTP in batches of 1,000.
 * Prints the median of each figure per variant. Run `npm run build` first. Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 3);
const taskCount = Number(process.argv[3] ?? 20_000);
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('set DATABASE_URL to a superuser connection');

const VARIANTS = {
  'tsx src/main.ts': ['--import', 'tsx', 'src/main.ts'],
  'node dist/main.js': ['dist/main.js'],
};

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)[1]);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function measureOnce(variant, index) {
  const name = `pgtask_measure_${process.pid}_${index}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  const url = withDatabase(adminUrl, name);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const started = performance.now();
  const child = spawn(process.execPath, VARIANTS[variant], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let readyMs;
  while (readyMs === undefined) {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (response?.status === 200) readyMs = performance.now() - started;
    else await sleep(5);
  }
  await sleep(5_000);
  const idle = memoryOf(child.pid);
  const drainStarted = performance.now();
  for (let offset = 0; offset < taskCount; offset += 1_000) {
    const tasks = Array.from({ length: Math.min(1_000, taskCount - offset) }, () => ({
      taskType: 'Sleep',
      payload: { duration: 0 },
    }));
    const response = await fetch(`http://127.0.0.1:${port}/tasks/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tasks }),
    });
    if (response.status !== 202) throw new Error(`enqueue: ${response.status} ${await response.text()}`);
  }
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  for (;;) {
    const { rows } = await db.query(`select count(*)::int as done from tasks where status = 'succeeded'`);
    if (rows[0].done >= taskCount) break;
    await sleep(100);
  }
  const drainS = (performance.now() - drainStarted) / 1000;
  const loaded = memoryOf(child.pid);
  await db.end();
  child.kill('SIGTERM');
  await once(child, 'exit');
  await admin.query(`drop database if exists ${name}`);
  await admin.end();
  return { readyMs, idleRssMb: idle.rssMb, peakRssMb: loaded.peakMb, drainS };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const results = Object.fromEntries(Object.keys(VARIANTS).map((variant) => [variant, []]));
for (let index = 0; index < runs; index++) {
  for (const variant of Object.keys(VARIANTS)) {
    const result = await measureOnce(variant, index);
    results[variant].push(result);
    console.error(`${variant} run ${index + 1}: ${JSON.stringify(result)}`);
  }
}
console.log(`median of ${runs} runs, ${taskCount} Sleep 0 tasks, Node ${process.versions.node}`);
console.log('| command | start-up to /readyz 200 | idle RSS | peak RSS in the drain | drain time |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [variant, list] of Object.entries(results)) {
  const m = (key) => median(list.map((result) => result[key]));
  console.log(
    `| \`${variant}\` | ${m('readyMs').toFixed(0)} ms | ${m('idleRssMb').toFixed(0)} MB | ${m('peakRssMb').toFixed(0)} MB | ${m('drainS').toFixed(1)} s |`,
  );
}
