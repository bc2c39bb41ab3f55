#!/usr/bin/env python3
"""A pgtask worker in Python, with nothing but the standard library.

It speaks the HTTP worker protocol: claim tasks of external types with a long poll, heartbeat
while a task runs (a 409 means the lease is lost: stop and answer nothing), then complete or
fail the task with its lease token. Several threads claim at once; when the server is away each
thread backs off (exponential, with jitter) and resumes.

    PGTASK_URL=http://127.0.0.1:8080 PGTASK_TOKEN=... \
        python3 worker.py --types ResizeImage --concurrency 4

Replace `handle` with your work: return a JSON value (stored as the result) or raise. Raise
`PermanentError` for "do not retry".
"""

import argparse
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help: the task goes to dead at once."""


class LeaseLost(Exception):
    """The server took the task back (lease expired, task cancelled or rescued)."""


def handle(task, report_progress):
    """The work itself. `task` is the claim's task: id, taskType, queue, payload, attempt."""
    payload = task["payload"] or {}
    if task["taskType"] == "ResizeImage":
        if not payload.get("url"):
            raise PermanentError("no url to resize")
        report_progress(0.5, "resizing")
        return {"resized": payload["url"], "width": payload.get("width", 640), "attempt": task["attempt"]}
    raise PermanentError("this worker does not know " + task["taskType"])


class Api:
    """JSON over HTTP with the bearer token; answers (status, body)."""

    def __init__(self, base_url, token, timeout):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def post(self, path, body, timeout=None):
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        if self.token:
            request.add_header("authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, {"error": {"code": "http_%d" % error.code, "message": text.decode(errors="replace")}}


def seconds_until(iso_time):
    moment = datetime.fromisoformat(iso_time.replace("Z", "+00:00"))
    return moment.timestamp() - time.time()


class Backoff:
    """Exponential delays from 0.25 s to 10 s, half fixed and half random, reset on success."""

    def __init__(self, low=0.25, high=10.0):
        self.low, self.high, self.failures = low, high, 0

    def next(self):
        ceiling = min(self.high, self.low * 2 ** min(self.failures, 30))
        self.failures += 1
        return ceiling / 2 + random.random() * ceiling / 2

    def reset(self):
        self.failures = 0


class Worker:
    def __init__(self, api, name, types, concurrency, wait, exit_when_idle, log):
        self.api, self.name, self.types = api, name, types
        self.concurrency, self.wait, self.exit_when_idle = concurrency, wait, exit_when_idle
        self.stopping = threading.Event()
        self.log = log

    def run(self):
        threads = [threading.Thread(target=self.claim_loop, args=(n,), daemon=True) for n in range(self.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)

    def claim_loop(self, slot):
        backoff = Backoff()
        while not self.stopping.is_set():
            body = {"worker": self.name, "types": self.types, "max": 1, "wait": "%ds" % self.wait}
            try:
                status, answer = self.api.post("/workers/claim", body, timeout=self.wait + 30)
            except (urllib.error.URLError, OSError) as error:
                status, answer = None, str(error)
            if status == 200:
                backoff.reset()
                if not answer["tasks"] and self.exit_when_idle:
                    return
                for task in answer["tasks"]:
                    self.run_task(task)
            elif status is not None and 400 <= status < 500 and status != 429:
                # A bad token, scope or type will not heal by retrying: stop and say why.
                self.log("claim refused (%s): %s" % (status, json.dumps(answer)))
                self.stopping.set()
                return
            else:
                delay = backoff.next()
                self.log("server away (%s); retrying in %.2fs" % (status or answer, delay))
                self.stopping.wait(delay)

    def run_task(self, task):
        token = task["lease"]["token"]
        path = "/task/%s" % task["id"]
        lost = threading.Event()
        finished = threading.Event()
        progress = {}

        def heartbeats():
            expires_at = task["lease"]["expiresAt"]
            backoff = Backoff(0.05, 1.0)
            while True:
                # Renew once a third of the time left has passed (retry sooner when the server is away).
                if finished.wait(max(0.02, seconds_until(expires_at) / 3)):
                    return
                body = {"token": token}
                if progress:
                    body["progress"] = dict(progress)
                try:
                    status, answer = self.api.post(path + "/heartbeat", body)
                except (urllib.error.URLError, OSError):
                    status, answer = None, None
                if status == 200:
                    backoff.reset()
                    expires_at = answer["expiresAt"]
                elif status in (404, 409):
                    if not finished.is_set():
                        lost.set()
                        self.log("lease lost on %s: stopping it" % task["id"])
                    return
                elif finished.wait(min(backoff.next(), max(0.02, seconds_until(expires_at) / 2))):
                    return

        def report_progress(fraction, message=None):
            if lost.is_set():
                raise LeaseLost(task["id"])
            progress.clear()
            progress["fraction"] = max(0.0, min(1.0, float(fraction)))
            if message:
                progress["message"] = str(message)[:500]

        beating = threading.Thread(target=heartbeats, daemon=True)
        beating.start()
        try:
            try:
                outcome = ("/complete", {"token": token, "result": handle(task, report_progress)})
            except LeaseLost:
                return
            except Exception as error:  # noqa: BLE001 - any failure of the work fails the attempt
                text = (str(error) or type(error).__name__)[:4000]
                outcome = ("/fail", {"token": token, "error": text, "retryable": not isinstance(error, PermanentError)})
            if lost.is_set():
                return
            self.answer(path, outcome, lost)
        finally:
            finished.set()
            beating.join()

    def answer(self, path, outcome, lost):
        """Sends complete or fail, retrying while the server is away (the heartbeats keep the lease)."""
        backoff = Backoff()
        suffix, body = outcome
        while not lost.is_set():
            try:
                status, answer = self.api.post(path + suffix, body)
            except (urllib.error.URLError, OSError):
                status, answer = None, None
            if status == 200:
                return
            if status in (404, 409):
                self.log("%s%s: lease lost, the answer was not taken" % (path, suffix))
                return
            if status is not None and 400 <= status < 500 and status != 429:
                if suffix == "/complete":
                    # The server refused the result itself (not JSON it can store): fail instead.
                    suffix, body = "/fail", {"token": body["token"], "error": "result refused: %s" % json.dumps(answer)[:3000]}
                    continue
                self.log("%s%s refused: %s" % (path, suffix, json.dumps(answer)))
                return
            time.sleep(backoff.next())


def main():
    parser = argparse.ArgumentParser(description="A pgtask HTTP worker (standard library only).")
    parser.add_argument("--url", default=os.environ.get("PGTASK_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--token", default=os.environ.get("PGTASK_TOKEN", ""))
    parser.add_argument("--types", default="ResizeImage", help="comma-separated external task types")
    parser.add_argument("--name", default=re.sub(r"[^A-Za-z0-9_.:@-]", "-", "py-%s-%d" % (socket.gethostname()[:40], os.getpid())))
    parser.add_argument("--concurrency", type=int, default=4, help="claiming threads (tasks at once)")
    parser.add_argument("--wait", type=int, default=20, help="long-poll seconds per claim (at most 30)")
    parser.add_argument("--exit-when-idle", action="store_true", help="stop once a claim comes back empty")
    args = parser.parse_args()

    def log(message):
        print("[%s] %s" % (args.name, message), file=sys.stderr, flush=True)

    worker = Worker(
        Api(args.url, args.token, timeout=30),
        name=args.name[:64],
        types=[t for t in args.types.split(",") if t],
        concurrency=max(1, args.concurrency),
        wait=max(0, min(30, args.wait)),
        exit_when_idle=args.exit_when_idle,
        log=log,
    )
    # SIGTERM / Ctrl-C: no new claims; the tasks in hand finish and are answered.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stopping.set())
    worker.run()


if __name__ == "__main__":
    main()
