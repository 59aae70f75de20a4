#!/usr/bin/env python3
"""A webhook receiver for careline's chaos runs: answers on a fault schedule and logs every request. Stdlib only.

    python3 Tests/Fakes/chaos_sink.py --log sink.jsonl [--faults SPEC] [--seed N] [--delay-ms 0]
                                      [--secret whsec_…] [--port 0] [--exit-on-stdin-eof]

Listens on 127.0.0.1 (port 0 = any free port), prints `PORT <n>` once it accepts connections; HTTP/1.1 with
keep-alive. Every POST (any path) is answered by the next fault of the schedule (see faults.py): `ok` -> 200
"ok"; a status -> that status (429 with Retry-After); `hang:S` -> 200 after S seconds; `close` -> a 200 cut off
mid-body; `drop` / `refuse:S` -> the connection closed unanswered (refuse also stops listening for S seconds).

Each request is appended to --log as one JSON line, with the arrival instant (UTC, milliseconds):
  {"at","webhook_id","body_sha256","id","patient_id","to","body_sha256_text","attempt","send_at","fault",
   "processed","signature_ok"}
`processed` is true when the receiver acted on the message (ok, hang, close: a real receiver would have stored it
before its answer was lost), false for status faults and dropped connections. `signature_ok` is null without
--secret, else whether `webhook-signature` is the Standard Webhooks HMAC over `id.timestamp.body`.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults  # noqa: E402  (beside this file)


class Sink:
    """Settings, the schedule and the log, shared by the request threads."""

    def __init__(self, args):
        self.schedule = faults.FaultSchedule(args.faults, args.seed)
        self.delay = args.delay_ms / 1000.0
        self.key = base64.b64decode(args.secret[6:]) if args.secret else None
        self.log_path = args.log
        self.lock = threading.Lock()

    def record(self, entry):
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "chaos-sink/1"
    sink = None  # set in main

    def log_message(self, format, *args):
        pass

    def reply(self, status, text=b"ok", headers=(), cut=False):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if cut:
            self.wfile.write(text[: len(text) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(text)
        self.wfile.flush()

    def do_GET(self):
        self.reply(405, b"POST only")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        arrived = datetime.datetime.now(datetime.timezone.utc)
        sink = self.sink
        fault = sink.schedule.next()
        webhook_id = self.headers.get("webhook-id")
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        signature_ok = None
        if sink.key is not None:
            signed = ("%s.%s." % (webhook_id, self.headers.get("webhook-timestamp"))).encode("utf-8") + raw
            expected = "v1," + base64.b64encode(hmac.new(sink.key, signed, hashlib.sha256).digest()).decode()
            signature_ok = hmac.compare_digest(expected, self.headers.get("webhook-signature") or "")
        text = payload.get("body")
        sink.record(
            {
                "at": arrived.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (arrived.microsecond // 1000),
                "webhook_id": webhook_id,
                "body_sha256": hashlib.sha256(raw).hexdigest(),
                "id": payload.get("id"),
                "patient_id": payload.get("patient_id"),
                "campaign": payload.get("campaign"),
                "step": payload.get("step"),
                "to": payload.get("to"),
                "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest() if isinstance(text, str) else None,
                "attempt": payload.get("attempt"),
                "send_at": payload.get("send_at"),
                "fault": str(fault),
                "processed": fault.kind in ("ok", "hang", "close"),
                "signature_ok": signature_ok,
            }
        )
        if sink.delay:
            time.sleep(sink.delay)
        if fault.kind in ("drop", "refuse"):
            if fault.kind == "refuse":
                faults.refuse_for(self.server, fault.argument)
            self.close_connection = True
            return
        if fault.status is not None:
            headers = [("Retry-After", "%g" % fault.argument)] if fault.status == 429 else []
            self.reply(fault.status, b"scheduled fault", headers)
            return
        if fault.kind == "hang":
            time.sleep(fault.argument)
        self.reply(200, b"ok", cut=fault.kind == "close")


def main():
    parser = argparse.ArgumentParser(description="A webhook receiver that fails on a schedule.")
    parser.add_argument("--log", required=True, help="JSON-lines file, one line per request")
    parser.add_argument("--faults", default="ok", help="fault schedule (see faults.py)")
    parser.add_argument("--seed", type=int, default=0, help="seed of a mix: schedule")
    parser.add_argument("--delay-ms", type=float, default=0, help="wait before every answer")
    parser.add_argument("--secret", help="whsec_… to check signatures with")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    args = parser.parse_args()
    try:
        faults.FaultSchedule(args.faults, args.seed)
    except ValueError as problem:
        parser.error(str(problem))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    Handler.sink = Sink(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.exit_on_stdin_eof:

        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
    faults.prepare(server)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        faults.serve(server)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
