#!/usr/bin/env python3
"""Checks careline's delivery invariants after a chaos run. Python 3.11+ standard library only.

    python3 Tests/Fakes/chaos_check.py --db careline.sqlite [--sink-log sink.jsonl] [--twilio-log twilio.jsonl]
                                       [--runs runs.jsonl] [--settled] [--json]

Reads the database (read-only), the chaos sink's request log, the Twilio fake's log of accepted messages and
the runner's log of dispatch runs ({"now": "<--now instant>", "start": <unix s>, "end": <unix s>} per line), and
checks:

  states      every message has exactly one state and it is one of careline's eight; with --settled (after a run
              that ended normally) none is `sending`
  webhook     each webhook-id the sink acted on belongs to a message, matches the body's `id`, and always
              carries the same recipient, text, patient, campaign and step; the same (recipient, text) under two
              webhook-ids is a duplicate (unless the database itself holds two such messages); a webhook
              message `sent` in the database was acted on by the sink at least once (else: lost). A second
              delivery under the same id (at-least-once after a kill or a cut-off answer) is counted, not failed
  twilio      no (To, Body) accepted twice (beyond the number of messages with that pair); a message `sent`
              through Twilio was accepted exactly once, under the sid careline stored; a message careline holds
              as never sent (queued, retry, failed, expired, cancelled) was never accepted
  windows     every delivery arrived during a dispatch run, and that run's `--now` was not before the message's
              planned send_at (webhook: the send_at of the request), before its expiry, on an allowed day and
              inside the campaign's window hours in the window's zone (the patient's, for timezone = "patient")

Prints a one-line summary (or --json: the counts and the first 50 violations) and exits 1 if any invariant
failed, 0 otherwise.
"""

import argparse
import bisect
import collections
import datetime
import hashlib
import json
import sqlite3
import sys
import tomllib
import zoneinfo

STATES = {"queued", "sending", "sent", "retry", "failed", "unknown", "expired", "cancelled"}
NEVER_SENT = {"queued", "retry", "failed", "expired", "cancelled"}
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TOLERANCE = 0.5  # seconds between a runner's clock reading and a peer's arrival stamp


def instant(text):
    """A UTC datetime from `2026-12-01T09:00:00Z` / `…+08:00` / `….123Z`."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)


def from_ms(value):
    return datetime.datetime.fromtimestamp(value / 1000, datetime.timezone.utc)


def read_lines(paths):
    """The JSON lines of one file or of several (a list), missing files read as empty."""
    if not paths:
        return []
    lines = []
    for path in [paths] if isinstance(paths, str) else paths:
        try:
            with open(path, encoding="utf-8") as handle:
                lines += [json.loads(line) for line in handle if line.strip()]
        except FileNotFoundError:
            pass
    return lines


class Window:
    """A campaign's `[window]`: hours (minutes since midnight, possibly crossing it), days, zone, skip dates."""

    def __init__(self, source):
        table = tomllib.loads(source).get("window", {})
        self.ranges = []
        for text in table.get("hours", ["00:00-23:59"]):
            start, _, end = text.partition("-")
            self.ranges.append((self.minutes(start), self.minutes(end)))
        self.days = set(table.get("days", DAYS))
        self.zone = table.get("timezone", "patient")
        self.skip = {str(day) for day in table.get("skip_dates", [])}

    @staticmethod
    def minutes(text):
        hours, _, minutes = text.strip().partition(":")
        return int(hours) * 60 + int(minutes)

    def allows(self, when, patient_zone):
        """Whether the instant `when` is inside the window, and if not, why."""
        zone = zoneinfo.ZoneInfo(patient_zone if self.zone == "patient" else self.zone)
        local = when.astimezone(zone)
        minute = local.hour * 60 + local.minute + local.second / 60
        day = DAYS[local.weekday()]
        inside = False
        for start, end in self.ranges:
            if start <= end:
                if start <= minute <= end:
                    inside = inside or (day in self.days and local.date().isoformat() not in self.skip)
            else:  # crosses midnight: the part after midnight belongs to the previous day's window
                if minute >= start:
                    inside = inside or (day in self.days and local.date().isoformat() not in self.skip)
                elif minute <= end:
                    previous = local.date() - datetime.timedelta(days=1)
                    inside = inside or (
                        DAYS[previous.weekday()] in self.days and previous.isoformat() not in self.skip)
        return inside, local.isoformat()


class Runs:
    """The dispatch runs, to find the `--now` that was in force when a delivery arrived."""

    def __init__(self, runs):
        self.runs = sorted(runs, key=lambda run: run["start"])
        self.starts = [run["start"] for run in self.runs]

    def at(self, arrival):
        seconds = arrival.timestamp()
        index = bisect.bisect_right(self.starts, seconds + TOLERANCE) - 1
        for candidate in range(index, max(index - 3, -1), -1):
            run = self.runs[candidate]
            end = run.get("end") or float("inf")
            if run["start"] - TOLERANCE <= seconds <= end + TOLERANCE:
                return run
        return None


def check(db, sink_log=None, twilio_log=None, runs_log=None, settled=False):
    """Runs every check; returns a dict of counts with a `violations` list (empty when all hold)."""
    violations = []
    counts = collections.Counter()

    def fail(kind, text):
        counts["violations." + kind] += 1
        violations.append("%s: %s" % (kind, text))

    connection = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    connection.row_factory = sqlite3.Row
    rows = connection.execute(
        "SELECT id, batch_id, campaign, patient_id, recipient, senders, sender_index, send_at, expires_at, "
        "time_zone, body, state, attempts, provider_id FROM messages").fetchall()
    sources = {
        (row["batch_id"], row["campaign"]): row["source"]
        for row in connection.execute("SELECT batch_id, campaign, source FROM campaign_sources")
    }
    connection.close()

    # -- states ---------------------------------------------------------------------------------------
    messages = {}
    states = collections.Counter()
    for row in rows:
        if row["id"] in messages:
            fail("state", "message %s appears twice" % row["id"])
        messages[row["id"]] = row
        states[row["state"]] += 1
        if row["state"] not in STATES:
            fail("state", "message %s has the unknown state %r" % (row["id"], row["state"]))
    if settled and states["sending"]:
        fail("state", "%d messages are still `sending` after a run that ended normally" % states["sending"])
    windows = {key: Window(source) for key, source in sources.items()}
    by_pair = collections.defaultdict(list)
    by_hash = collections.defaultdict(list)
    for row in rows:
        by_pair[(row["recipient"], row["body"])].append(row["id"])
        by_hash[(row["recipient"], hashlib.sha256(row["body"].encode("utf-8")).hexdigest())].append(row["id"])
    runs = Runs(read_lines(runs_log)) if runs_log else None

    def sender_of(row):
        chain = json.loads(row["senders"]) if row["senders"].startswith("[") else row["senders"].split(",")
        index = row["sender_index"]
        return chain[index] if 0 <= index < len(chain) else None

    def check_window(row, arrival, planned, what):
        if runs is None:
            return
        run = runs.at(arrival)
        if run is None:
            fail("window", "%s of %s arrived at %s, when no dispatcher ran" % (what, row["id"], arrival.isoformat()))
            return
        now = instant(run["now"])
        if planned is not None and now < planned:
            fail("window", "%s of %s went out at --now %s, before its planned %s" % (
                what, row["id"], run["now"], planned.isoformat()))
        if now >= from_ms(row["expires_at"]):
            fail("window", "%s of %s went out at --now %s, at or after its expiry %s" % (
                what, row["id"], run["now"], from_ms(row["expires_at"]).isoformat()))
        window = windows.get((row["batch_id"], row["campaign"]))
        if window is not None:
            inside, local = window.allows(now, row["time_zone"])
            if not inside:
                fail("window", "%s of %s went out at local time %s, outside its window" % (what, row["id"], local))
        counts["deliveries_checked_against_windows"] += 1

    # -- webhook --------------------------------------------------------------------------------------
    sink = read_lines(sink_log)
    counts["sink_requests"] = len(sink)
    delivered = collections.defaultdict(list)
    for entry in sink:
        if entry.get("signature_ok") is False:
            fail("webhook", "request for %s has a wrong signature" % entry.get("webhook_id"))
        if entry.get("processed"):
            delivered[entry.get("webhook_id")].append(entry)
    counts["sink_delivered"] = sum(len(entries) for entries in delivered.values())
    pair_ids = collections.defaultdict(set)
    for webhook_id, entries in delivered.items():
        row = messages.get(webhook_id)
        if row is None:
            fail("webhook", "the sink got webhook-id %s, which is no message" % webhook_id)
            continue
        text = hashlib.sha256(row["body"].encode("utf-8")).hexdigest()
        shapes = set()
        for entry in entries:
            if entry.get("id") != webhook_id:
                fail("webhook", "webhook-id %s carried the body of %s" % (webhook_id, entry.get("id")))
            shapes.add((entry.get("to"), entry.get("text_sha256"), entry.get("patient_id"), entry.get("campaign"),
                        entry.get("step")))
            pair_ids[(entry.get("to"), entry.get("text_sha256"))].add(webhook_id)
            planned = instant(entry["send_at"]) if entry.get("send_at") else None
            check_window(row, instant(entry["at"]), planned, "webhook")
        if len(shapes) > 1:
            fail("webhook", "webhook-id %s was delivered with %d different contents" % (webhook_id, len(shapes)))
        if (row["recipient"], text) not in {(shape[0], shape[1]) for shape in shapes}:
            fail("webhook", "webhook-id %s was delivered with a recipient or text the message does not have"
                 % webhook_id)
        counts["redelivered_same_id"] += len(entries) - 1
        counts["webhook_ids_delivered"] += 1
    for pair, ids in pair_ids.items():
        same = len(by_hash.get(pair, []))
        if len(ids) > max(1, same):
            counts["duplicates"] += len(ids) - max(1, same)
            fail("duplicate", "one (recipient, text) reached the sink under %d webhook-ids: %s" % (
                len(ids), ", ".join(sorted(ids))))

    # -- twilio ---------------------------------------------------------------------------------------
    twilio = read_lines(twilio_log)
    counts["twilio_accepted"] = len(twilio)
    accepted = collections.defaultdict(list)
    for entry in twilio:
        accepted[(entry.get("to"), entry.get("body"))].append(entry)
    for pair, entries in accepted.items():
        ids = by_pair.get(pair, [])
        if not ids:
            fail("twilio", "the fake accepted a message that is in no row (sid %s)" % entries[0].get("sid"))
            continue
        if len(entries) > len(ids):
            counts["duplicates"] += len(entries) - len(ids)
            fail("duplicate", "one (To, Body) reached the Twilio fake %d times (message %s; sids %s)" % (
                len(entries), ", ".join(ids), ", ".join(entry.get("sid") or "?" for entry in entries)))
        if len(ids) == 1:
            row = messages[ids[0]]
            if row["state"] in NEVER_SENT:
                fail("twilio", "message %s is %s, but the fake accepted it (sid %s)" % (
                    row["id"], row["state"], entries[0].get("sid")))
            if row["state"] == "sent" and row["provider_id"] not in {entry.get("sid") for entry in entries}:
                fail("twilio", "message %s is sent with sid %s, which the fake never issued" % (
                    row["id"], row["provider_id"]))
        for entry in entries:
            row = messages[ids[0]]
            planned = from_ms(row["send_at"]) if row["state"] in ("sent", "unknown", "sending") else None
            check_window(row, instant(entry["at"]), planned, "twilio")

    # -- nothing lost -----------------------------------------------------------------------------------
    for row in rows:
        if row["state"] == "unknown" and twilio_log and (row["recipient"], row["body"]) not in accepted:
            counts["unknown_never_accepted"] += 1  # left for a person, though it never reached the provider
        if row["state"] != "sent":
            continue
        sender = sender_of(row)
        if sender == "hook" and row["id"] not in delivered and sink_log:
            fail("lost", "message %s is sent through the webhook, but the sink never acted on it" % row["id"])
        if sender == "sms" and (row["recipient"], row["body"]) not in accepted and twilio_log:
            fail("lost", "message %s is sent through Twilio, but the fake never accepted it" % row["id"])

    result = {
        "messages": len(rows),
        "states": dict(sorted(states.items())),
        "sink_requests": counts["sink_requests"],
        "sink_delivered": counts["sink_delivered"],
        "webhook_ids_delivered": counts["webhook_ids_delivered"],
        "redelivered_same_id": counts["redelivered_same_id"],
        "twilio_accepted": counts["twilio_accepted"],
        "unknown_never_accepted": counts["unknown_never_accepted"],
        "duplicates": counts["duplicates"],
        "window_violations": counts["violations.window"],
        "deliveries_checked_against_windows": counts["deliveries_checked_against_windows"],
        "violation_count": len(violations),
        "violations": violations[:50],
    }
    return result


def main():
    parser = argparse.ArgumentParser(description="Checks careline's delivery invariants after a chaos run.")
    parser.add_argument("--db", required=True)
    parser.add_argument("--sink-log", action="append", help="the chaos sink's log (repeatable)")
    parser.add_argument("--twilio-log", action="append", help="the Twilio fake's log (repeatable)")
    parser.add_argument("--runs")
    parser.add_argument("--settled", action="store_true", help="the last run ended normally: nothing is sending")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = check(args.db, args.sink_log, args.twilio_log, args.runs, args.settled)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, sort_keys=False))
    else:
        print("messages %d %s; sink %d requests, %d delivered, %d redelivered under the same id; twilio %d "
              "accepted; duplicates %d; window violations %d; violations %d" % (
                  result["messages"], result["states"], result["sink_requests"], result["sink_delivered"],
                  result["redelivered_same_id"], result["twilio_accepted"], result["duplicates"],
                  result["window_violations"], result["violation_count"]))
        for line in result["violations"]:
            print("  " + line)
    return 1 if result["violation_count"] else 0


if __name__ == "__main__":
    sys.exit(main())
