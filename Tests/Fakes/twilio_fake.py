#!/usr/bin/env python3
"""A Twilio-shaped fake of the Messages API, for careline's tests. Python 3 standard library only.

    python3 Tests/Fakes/twilio_fake.py --log messages.jsonl [--account-sid AC…] [--auth-token …]
                                       [--slow 3] [--port 0] [--exit-on-stdin-eof]
                                       [--faults SPEC] [--seed N] [--delay-ms 0]

Listens on 127.0.0.1 (port 0 = any free port) and prints `PORT <n>` on stdout once it accepts connections.
Speaks HTTP/1.1 with keep-alive; every answer has a Content-Length.

Endpoint: POST /2010-04-01/Accounts/{AccountSid}/Messages.json
  - HTTP basic auth with the account SID and auth token; anything else -> 401, JSON error code 20003
    (also when the SID in the path differs from the authenticated one).
  - Content-Type must be application/x-www-form-urlencoded (a `; charset=utf-8` parameter is allowed).
  - Stricter than Twilio, to catch encoder bugs: the body may hold only RFC 3986 unreserved characters,
    `%XX` escapes, `=` and `&` (so a `+` or a space written raw is rejected), must be valid UTF-8 once decoded,
    and may not repeat a field. Such problems -> 400, code 20001.
  - Field checks (400 with Twilio's codes): To missing 21604; To not E.164 21211; neither From nor
    MessagingServiceSid 21603; From not E.164 21212; MessagingServiceSid not MG + 32 hex 21701; Body missing
    or empty 21602; Body over 1600 characters 21617; StatusCallback not http(s) 21609.
  - Other paths -> 404 code 20404; other methods -> 405 code 20004.

Endpoint: GET /2010-04-01/Accounts/{AccountSid}.json (what `careline config check --probe` asks)
  - The same basic auth: the right SID and token -> 200 with an Account resource
    ({"sid", "friendly_name", "status": "active", "type": "Full", ...}); anything else -> 401, code 20003.
  - Nothing is logged.

Answers by the last four digits of To (a valid request otherwise):
  ...0001 -> 400 code 21211 (invalid To number)
  ...0002 -> 400 code 21614 (To is not a mobile number)
  ...0003 -> 400 code 21610 (recipient unsubscribed with STOP)
  ...0004 -> 429 code 20429 with `Retry-After: 2`
  ...0005 -> 500 code 20500
  ...0006 -> logged as accepted, then sleeps --slow seconds, then 201 (a client that times out first has
             still "sent" the message: the log shows it)
  anything else -> 201 with a Message resource: {"sid": "SM" + 32 hex, "status": "queued", ...}

Every accepted message (the 201 cases, 0006 included) is appended to --log as one JSON line:
  {"sid","to","from","messaging_service_sid","body","status_callback","at","fault"}
`at` is the UTC arrival instant with milliseconds (2026-11-23T15:04:05.123Z); `fault` the scheduled fault.
Error answers are not logged.

Faults (for the chaos tests; see faults.py): --faults takes a schedule such as "ok*5,500,429:2,hang:3,close" (cycled)
or "mix:ok=80,500=10,hang:3=5,close=5" (drawn with --seed), applied per POST in arrival order before the rules
above: a status fault answers with that status (429 with Retry-After) and is not logged; `hang` and `close`
accept and log the message, then answer after S seconds or cut the answer off mid-body; `drop` closes the
connection unanswered; `refuse:S` drops and stops listening for S seconds. --delay-ms delays every answer.
The default schedule is "ok": the fake behaves as described above.

With --exit-on-stdin-eof the fake exits when its standard input closes, so a test process that dies without
stopping it does not leave it running.
"""

import argparse
import base64
import datetime
import email.utils
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults  # noqa: E402  (beside this file)

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
FORM_BYTES = re.compile(rb"^([A-Za-z0-9._~=&-]|%[0-9A-Fa-f]{2})*$")
PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
ACCOUNT_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)\.json$")

RULES = {
    "0001": (400, 21211, "The 'To' number is not a valid phone number."),
    "0002": (400, 21614, "'To' number is not a valid mobile number"),
    "0003": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "0004": (429, 20429, "Too Many Requests"),
    "0005": (500, 20500, "Internal Server Error"),
}


class Fake:
    """Settings and the shared log shared by every request thread."""

    def __init__(self, args):
        self.account_sid = args.account_sid
        self.auth_token = args.auth_token
        self.slow = args.slow
        self.log_path = args.log
        self.lock = threading.Lock()
        self.schedule = faults.FaultSchedule(args.faults, args.seed)
        self.delay = args.delay_ms / 1000.0

    def record(self, entry):
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "twilio-fake/1"
    fake = None  # set in main

    def log_message(self, format, *args):  # keep stderr quiet
        pass

    # -- answers ---------------------------------------------------------------------------------------

    def answer(self, status, payload, headers=(), cut=False):
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if cut:  # the `close` fault: half the body, then the connection ends
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)
        self.wfile.flush()

    def error(self, status, code, message, headers=()):
        self.answer(
            status,
            {
                "code": code,
                "message": message,
                "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                "status": status,
            },
            headers,
        )

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # -- methods ---------------------------------------------------------------------------------------

    def do_GET(self):
        self.read_body()
        match = ACCOUNT_PATH.match(urllib.parse.urlsplit(self.path).path)
        if not match:
            if PATH.match(urllib.parse.urlsplit(self.path).path):
                self.error(405, 20004, "Method not allowed")
            else:
                self.error(404, 20404, "The requested resource was not found")
            return
        if not self.authorized(match.group(1)):
            self.error(401, 20003, "Authenticate", [("WWW-Authenticate", 'Basic realm="Twilio API"')])
            return
        sid = self.fake.account_sid
        self.answer(
            200,
            {
                "sid": sid,
                "owner_account_sid": sid,
                "friendly_name": "careline test account",
                "status": "active",
                "type": "Full",
                "date_created": email.utils.formatdate(usegmt=True).replace("GMT", "+0000"),
                "uri": "/2010-04-01/Accounts/%s.json" % sid,
            },
        )

    def do_PUT(self):
        self.read_body()
        self.error(405, 20004, "Method not allowed")

    do_DELETE = do_PUT

    def do_POST(self):
        raw = self.read_body()
        fake = self.fake
        arrived = datetime.datetime.now(datetime.timezone.utc)
        fault = fake.schedule.next()
        if fake.delay:
            time.sleep(fake.delay)
        if fault.kind in ("drop", "refuse"):
            if fault.kind == "refuse":
                faults.refuse_for(self.server, fault.argument)
            self.close_connection = True
            return
        if fault.status is not None:
            if fault.status == 429:
                self.error(429, 20429, "Too Many Requests", [("Retry-After", "%g" % fault.argument)])
            else:
                self.error(fault.status, 20500 if fault.status >= 500 else 20001, "Scheduled fault")
            return
        match = PATH.match(urllib.parse.urlsplit(self.path).path)
        if not match:
            self.error(404, 20404, "The requested resource was not found")
            return
        if not self.authorized(match.group(1)):
            self.error(401, 20003, "Authenticate", [("WWW-Authenticate", 'Basic realm="Twilio API"')])
            return
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            self.error(400, 20001, "Content-Type must be application/x-www-form-urlencoded")
            return
        fields = self.parse_form(raw)
        if fields is None:
            self.error(400, 20001, "The body is not strictly percent-encoded UTF-8 form data")
            return
        problem = self.validate(fields)
        if problem:
            self.error(400, problem[0], problem[1])
            return
        to = fields["To"]
        rule = RULES.get(to[-4:])
        if rule:
            status, code, message = rule
            headers = [("Retry-After", "2")] if status == 429 else []
            self.error(status, code, message, headers)
            return
        sid = "SM" + secrets.token_hex(16)
        fake.record(
            {
                "sid": sid,
                "to": to,
                "from": fields.get("From"),
                "messaging_service_sid": fields.get("MessagingServiceSid"),
                "body": fields["Body"],
                "status_callback": fields.get("StatusCallback"),
                "at": arrived.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (arrived.microsecond // 1000),
                "fault": str(fault),
            }
        )
        if to.endswith("0006"):
            time.sleep(fake.slow)
        if fault.kind == "hang":
            time.sleep(fault.argument)
        now = email.utils.formatdate(usegmt=True).replace("GMT", "+0000")
        self.answer(
            201,
            {
                "sid": sid,
                "account_sid": fake.account_sid,
                "to": to,
                "from": fields.get("From"),
                "messaging_service_sid": fields.get("MessagingServiceSid"),
                "body": fields["Body"],
                "status": "queued",
                "num_segments": "1",
                "num_media": "0",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "price": None,
                "price_unit": "USD",
                "error_code": None,
                "error_message": None,
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (fake.account_sid, sid),
                "subresource_uris": {
                    "media": "/2010-04-01/Accounts/%s/Messages/%s/Media.json" % (fake.account_sid, sid)
                },
            },
            cut=fault.kind == "close",
        )

    # -- checks ----------------------------------------------------------------------------------------

    def authorized(self, path_sid):
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        fake = self.fake
        return user == fake.account_sid and password == fake.auth_token and path_sid == fake.account_sid

    @staticmethod
    def parse_form(raw):
        if not FORM_BYTES.match(raw):
            return None
        fields = {}
        for pair in raw.split(b"&") if raw else []:
            name, sep, value = pair.partition(b"=")
            if not sep:
                return None
            try:
                name = urllib.parse.unquote_to_bytes(name).decode("utf-8")
                value = urllib.parse.unquote_to_bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                return None
            if name in fields:
                return None
            fields[name] = value
        return fields

    @staticmethod
    def validate(fields):
        to = fields.get("To")
        if to is None or to == "":
            return (21604, "A 'To' phone number is required.")
        if not E164.match(to):
            return (21211, "The 'To' number is not a valid phone number.")
        sender, service = fields.get("From"), fields.get("MessagingServiceSid")
        if sender is None and service is None:
            return (21603, "A 'From' phone number is required.")
        if sender is not None and not E164.match(sender):
            return (21212, "The 'From' number is not a valid phone number.")
        if service is not None and not SID.match(service):
            return (21701, "The Messaging Service Sid is invalid.")
        body = fields.get("Body")
        if not body:
            return (21602, "Message body is required.")
        if len(body) > 1600:
            return (21617, "The concatenated message body exceeds the 1600 character limit.")
        callback = fields.get("StatusCallback")
        if callback is not None and not re.match(r"^https?://[^/_]+", callback):
            return (21609, "Invalid StatusCallback URL.")
        return None


def main():
    parser = argparse.ArgumentParser(description="A Twilio-shaped fake of the Messages API.")
    parser.add_argument("--log", required=True, help="JSON-lines file of accepted messages")
    parser.add_argument("--account-sid", default="AC" + "0123456789abcdef" * 2)
    parser.add_argument("--auth-token", default="fake-auth-token")
    parser.add_argument("--slow", type=float, default=3.0, help="seconds a To ending in 0006 waits")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    parser.add_argument("--faults", default="ok", help="fault schedule (see faults.py), e.g. ok*5,500,hang:3")
    parser.add_argument("--seed", type=int, default=0, help="seed of a mix: schedule")
    parser.add_argument("--delay-ms", type=float, default=0, help="wait before every answer")
    args = parser.parse_args()
    try:
        faults.FaultSchedule(args.faults, args.seed)
    except ValueError as problem:
        parser.error(str(problem))
    # A parent's blocked signals are inherited across exec (a test runner's threads may block SIGTERM):
    # unblock them so that terminating the fake works.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    Handler.fake = Fake(args)
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
