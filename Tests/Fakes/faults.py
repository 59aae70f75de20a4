"""Fault schedules for careline's loopback peers (the Twilio fake and the chaos webhook sink). Stdlib only.

A schedule says how each request, in arrival order, is answered. Two forms:

  cycled:  "ok*5,500,429:2,hang,close,ok"   the tokens in order, then again from the start
  mixed:   "mix:ok=70,500=10,429=5,hang=5,close=5,drop=3,refuse=2"   each request draws a token with these
           weights from a random generator seeded with --seed (the same seed gives the same sequence)

Tokens (`*N` repeats a token N times in a cycled schedule):
  ok          answer normally
  500 / 503 … answer with that status (any 4xx/5xx number); a Twilio-shaped JSON error body
  429[:S]     429 with `Retry-After: S` (default 2)
  hang[:S]    process the request (the Twilio fake logs it as accepted), then wait S seconds (default 30, past
              any client timeout) before answering
  close       process the request, send the status line, the headers and half of the body, then close the
              connection (a response cut off mid-way)
  drop        close the connection without reading on or answering (the request is not processed)
  refuse[:S]  like drop, and stop listening for S seconds (default 2): new connections are refused

Used with `--faults SPEC [--seed N]` by twilio_fake.py and chaos_sink.py.
"""

import random
import re
import socket
import threading
import time

TOKEN = re.compile(r"^(ok|hang|close|drop|refuse|[45][0-9][0-9])(?::([0-9]+(?:\.[0-9]+)?))?(?:\*([0-9]+))?$")
DEFAULT_ARGUMENT = {"429": 2.0, "hang": 30.0, "refuse": 2.0}


class Fault:
    """One drawn answer: `kind` ("ok", "hang", "close", "drop", "refuse" or a status text) and its argument."""

    __slots__ = ("kind", "argument")

    def __init__(self, kind, argument=None):
        self.kind = kind
        self.argument = argument if argument is not None else DEFAULT_ARGUMENT.get(kind)

    @property
    def status(self):
        """The HTTP status of a status fault, else None."""
        return int(self.kind) if self.kind.isdigit() else None

    def __str__(self):
        if self.argument is None:
            return self.kind
        value = int(self.argument) if float(self.argument).is_integer() else self.argument
        return "%s:%s" % (self.kind, value)


class FaultSchedule:
    """Hands out one ``Fault`` per request, thread-safe, from a cycled or a seeded mixed schedule."""

    def __init__(self, spec="ok", seed=0):
        self.lock = threading.Lock()
        self.count = 0
        spec = (spec or "ok").strip()
        if spec.startswith("mix:"):
            self.random = random.Random(seed)
            self.choices, self.weights = [], []
            for part in spec[4:].split(","):
                token, sep, weight = part.strip().rpartition("=")
                if not sep or not weight.replace(".", "", 1).isdigit():
                    raise ValueError("fault mix %r: write token=weight, e.g. 500=10" % part)
                self.choices.append(self.parse(token)[0])
                self.weights.append(float(weight))
            if sum(self.weights) <= 0:
                raise ValueError("fault mix %r: the weights add up to 0" % spec)
            self.cycle = None
        else:
            self.random = None
            self.cycle = []
            for part in spec.split(","):
                fault, repeat = self.parse(part.strip())
                self.cycle.extend([fault] * repeat)

    @staticmethod
    def parse(token):
        """(Fault, repeat count) of one token; ValueError names the token."""
        match = TOKEN.match(token)
        if not match:
            raise ValueError(
                "fault %r: use ok, hang[:S], close, drop, refuse[:S], 429[:S] or a status such as 500" % token)
        kind, argument, repeat = match.groups()
        return Fault(kind, float(argument) if argument else None), int(repeat) if repeat else 1

    def next(self):
        """The fault for the next request."""
        with self.lock:
            index = self.count
            self.count += 1
            if self.cycle is not None:
                return self.cycle[index % len(self.cycle)]
            return self.random.choices(self.choices, self.weights)[0]


def refuse_for(server, seconds):
    """Makes `serve` refuse new connections for `seconds` (from now; a later end wins)."""
    with server.refuse_lock:
        server.refuse_until = max(server.refuse_until, time.monotonic() + seconds)
        if server.socket is not None:
            # Wakes the accept loop and refuses from now on, also what is waiting in the backlog.
            try:
                server.socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def prepare(server):
    """Gives a socketserver TCP server what `serve` and `refuse_for` need."""
    server.refuse_lock = threading.Lock()
    server.refuse_until = 0.0
    server.socket.settimeout(0.2)
    # A client killed mid-request (the point of a chaos run) breaks the pipe of its answer: not worth a traceback.
    server.handle_error = lambda request, client_address: None


def serve(server):
    """Accepts connections for a threading socketserver TCP server (instead of `serve_forever`), closing the
    listening socket while a `refuse` fault holds, so that connection attempts are refused, and listening on the
    same port again afterwards."""
    address = server.server_address
    while True:
        with server.refuse_lock:
            until = server.refuse_until
            if time.monotonic() < until and server.socket is not None:
                server.socket.close()
                server.socket = None
        if time.monotonic() < until:
            time.sleep(min(0.05, max(until - time.monotonic(), 0.001)))
            continue
        if server.socket is None:
            fresh = socket.socket(server.address_family, server.socket_type)
            fresh.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                fresh.bind(address)
            except OSError:
                fresh.close()
                time.sleep(0.05)
                continue
            fresh.listen(128)
            fresh.settimeout(0.2)
            with server.refuse_lock:
                server.socket = fresh
        listener = server.socket
        if listener is None:
            continue
        try:
            connection, client = listener.accept()
        except (socket.timeout, OSError):
            continue
        connection.settimeout(None)
        server.process_request(connection, client)
