#!/usr/bin/env python3
"""The dispatch workload: the release `careline dispatch` sending N webhooks to a loopback sink, against wrk.

Preparation, not timed, once: `scripts/gen-patients N SEED` (its `preferred_time` column blanked, so that no
patient's own window replaces the campaign's), `careline patients import`, then `careline queue` of a one-step
campaign (`[trigger] at`, `senders = ["hook"]`, window `00:00-23:59` UTC, quiet hours off) at --now
2026-12-01T12:00:00Z; the queue report must say `queued` = N. Each run then gets a fresh copy of that database,
so every run sends the same N queued messages.

Per run, with a fresh sink (`Benchmarks/sink/sink.c`) for each timed process:
  - `wrk -t2 -c8 -d10s -s Benchmarks/wrk_post.lua` against the sink: the same POST shape and body size, 8
    connections like the webhook sender's `concurrency = 8`; Requests/sec is the baseline;
  - `careline dispatch --now 2026-12-01T12:30:00Z --json` against the sink; the dispatch report must say
    `sent` = N and the sink's count file `requests` = `ids` = N (distinct `webhook-id` values), else the run
    aborts with the numbers;
both with the sink answering at once and with `--delay-ms 2` (a slow receiver: throughput then comes from
concurrency). Wall time and peak RSS (ru_maxrss of the child) per process; the table shows medians over the
runs and careline's messages/s ÷ wrk's requests/s at the same delay. Prints one markdown table on stdout.

`careline dispatch` missing from the binary: says so and exits 69 (`--harness-only` runs everything else).
"""

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUEUE_NOW = "2026-12-01T12:00:00Z"
DISPATCH_NOW = "2026-12-01T12:30:00Z"
CONCURRENCY = 8
DELAYS = [0, 2]
# A test secret (whsec_ + base64 of 24 bytes), passed through the environment as careline.toml asks.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CAMPAIGN = """template = "recheck-reminder"
senders = ["hook"]
kind = "reminder"
[trigger]
at = 2026-12-01
[window]
hours = ["00:00-23:59"]
timezone = "UTC"
"""


def fail(message: str, code: int = 1) -> None:
    """Prints `bench: message` on stderr and exits."""
    sys.stderr.write(f"bench: {message}\n")
    sys.exit(code)


def config_text(templates: Path, port: int) -> str:
    """careline.toml for the benchmark: the example clinic, quiet hours off, one webhook sender to the sink."""
    return (
        '[clinic]\nname = "明德眼科"\nphone = "400-820-1234"\nsignature = "【明德眼科】"\n'
        'timezone = "Asia/Shanghai"\nregion = "CN"\n'
        '[clinic.en]\nname = "Mingde Eye Hospital"\nphone = "+86 400 820 1234"\n'
        f'[paths]\ntemplates = "{templates}"\n'
        '[policy]\nrequire_signature = true\noptout_text = { zh = "回T退订", en = "Reply STOP to opt out" }\n'
        'quiet_hours = "none"\n'
        '[store]\npath = "careline.sqlite"\n'
        f'[senders.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:{port}/careline"\n'
        f'secret = "env:CARELINE_WEBHOOK_SECRET"\nconcurrency = {CONCURRENCY}\n'
    )


def environment() -> dict[str, str]:
    """The children's environment: ours plus the webhook secret."""
    return {**os.environ, "CARELINE_WEBHOOK_SECRET": SECRET}


def run(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Runs a command and waits with os.wait4 for its own peak RSS; returns (seconds, MiB, stdout)."""
    out_path = cwd / "stdout.txt"
    err_path = cwd / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, env=environment())
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        fail(f"{' '.join(command)} failed ({code}):\n{err_path.read_text()[:4000]}")
    return elapsed, usage.ru_maxrss / 1024, out_path.read_text()


class Sink:
    """A fresh `sink` process on a free loopback port; `stop()` returns its count file as a dictionary."""

    def __init__(self, binary: str, delay_ms: int, folder: Path):
        self.count_file = folder / f"sink-count-{delay_ms}ms.txt"
        self.count_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--delay-ms", str(delay_ms), "--count-file", str(self.count_file)],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        match = re.fullmatch(r"PORT (\d+)\n", line)
        if not match:
            self.process.kill()
            fail(f"the sink did not print its port (it printed {line!r}); run {binary} --port 0 to see why")
        self.port = int(match.group(1))

    def stop(self) -> dict[str, int]:
        """Sends SIGTERM, waits, and reads `requests`, `ids` and `body_bytes`."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            fail("the sink did not exit within 10 s of SIGTERM")
        if code != 0 or not self.count_file.exists():
            fail(f"the sink exited with {code} and wrote no count file {self.count_file}")
        counts = {}
        for line in self.count_file.read_text().splitlines():
            key, value = line.split()
            counts[key] = int(value)
        return counts


def ensure_wrk() -> str:
    """wrk's path; installs the Debian package when missing (apt-get update only if the install fails)."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    install = [*sudo, "apt-get", "install", "-y", "-qq", "wrk"]
    print("bench: installing wrk (apt-get)", file=sys.stderr)
    quiet = {"stdout": sys.stderr, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    if subprocess.run(install, **quiet).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], **quiet)
        subprocess.run(install, **quiet)
    found = shutil.which("wrk")
    if not found:
        fail("wrk is missing and `apt-get install -y wrk` did not install it; install wrk and run again", 69)
    return found


def has_dispatch(careline: str) -> bool:
    """Whether the binary has the `dispatch` subcommand.

    `careline dispatch --help` exits 0 either way (ArgumentParser prints the root help for an unknown
    subcommand), so the help must be dispatch's own: its usage line names the subcommand.
    """
    result = subprocess.run([careline, "dispatch", "--help"], capture_output=True, text=True, env=environment())
    return result.returncode == 0 and "USAGE: careline dispatch" in result.stdout


def prepare(careline: str, templates: Path, messages: int, seed: int, folder: Path) -> Path:
    """Generates, imports and queues N messages in `folder`; returns the database. Not timed."""
    # Streamed row by row: this process stays small, so the children's peak RSS (which on Linux starts from the
    # parent's high-water mark at fork) measures them, not the harness.
    raw = folder / "generated.csv"
    with open(raw, "wb") as out:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-patients"), str(messages), str(seed)],
                       stdout=out, check=True)
    # preferred_time replaces the campaign's window by the patient's own range (3% of the generated rows): blank
    # it, so that every patient is inside the campaign's all-day window at the dispatch instant.
    with open(raw, newline="", encoding="utf-8") as source, \
            open(folder / "patients.csv", "w", newline="", encoding="utf-8") as target:
        reader = csv.reader(source)
        writer = csv.writer(target, lineterminator="\n")
        header = next(reader)
        column = header.index("preferred_time")
        writer.writerow(header)
        for row in reader:
            row[column] = ""
            writer.writerow(row)
    raw.unlink()
    (folder / "careline.toml").write_text(config_text(templates, 1))
    (folder / "dispatch-bench.toml").write_text(CAMPAIGN)
    run([careline, "patients", "import", "patients.csv"], folder)
    _, _, out = run(
        [careline, "queue", "dispatch-bench.toml", "--now", QUEUE_NOW, "--skip-invalid", "--json"], folder)
    report = json.loads(out)
    if report["queued"] != messages:
        problems = "; ".join(f"{error['patient_id']}: {error['message']}" for error in report["errors"][:5])
        fail(f"queued {report['queued']:,} messages, not {messages:,}: the queue report says {out.strip()}"
             f"{' (first errors: ' + problems + ')' if problems else ''}")
    return folder / "careline.sqlite"


def fresh_copy(database: Path, folder: Path) -> None:
    """Copies the prepared database (and its -wal/-shm files, if any) into a run's folder."""
    for suffix in ["", "-wal", "-shm"]:
        source = Path(f"{database}{suffix}")
        if source.exists():
            shutil.copyfile(source, folder / f"careline.sqlite{suffix}")


def time_dispatch(careline: str, sink_binary: str, delay_ms: int, messages: int, templates: Path,
                  folder: Path) -> tuple[float, float, dict, dict]:
    """Times `careline dispatch --now T --json` against a fresh sink; checks the report and the sink's counts.

    Returns (seconds, peak RSS MiB, the dispatch report, the sink's counts).
    """
    sink = Sink(sink_binary, delay_ms, folder)
    (folder / "careline.toml").write_text(config_text(templates, sink.port))
    try:
        seconds, rss, out = run([careline, "dispatch", "--now", DISPATCH_NOW, "--json"], folder)
    finally:
        counts = sink.stop()
    try:
        report = json.loads(out.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        fail(f"careline dispatch --json printed no JSON line: {out[:400]!r}")
    if report.get("sent") != messages:
        fail(f"careline dispatch sent {report.get('sent')} of {messages:,} messages (sink delay {delay_ms} ms); "
             f"its report: {json.dumps(report)}")
    if counts["requests"] != messages or counts["ids"] != messages:
        fail(f"the sink (delay {delay_ms} ms) received {counts['requests']:,} requests with {counts['ids']:,} "
             f"distinct webhook-id values; expected {messages:,} of each (dispatch report: {json.dumps(report)})")
    return seconds, rss, report, counts


def time_wrk(wrk: str, sink_binary: str, delay_ms: int, duration: int, folder: Path) -> tuple[float, float, int,
                                                                                              float, dict]:
    """Runs wrk against a fresh sink; returns (Requests/sec, peak RSS MiB, requests, seconds, sink counts)."""
    sink = Sink(sink_binary, delay_ms, folder)
    try:
        _, rss, out = run(
            [wrk, "-t2", f"-c{CONCURRENCY}", f"-d{duration}s", "-s", str(ROOT / "Benchmarks" / "wrk_post.lua"),
             f"http://127.0.0.1:{sink.port}/careline"], folder)
    finally:
        counts = sink.stop()
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(ms|s|m)\b", out, re.MULTILINE)
    if not rate or not total:
        fail(f"could not read Requests/sec from wrk's output:\n{out[:2000]}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    if errors:
        fail(f"wrk reported errors against the sink (delay {delay_ms} ms): {errors.group(0)}")
    requests = int(total.group(1))
    seconds = float(total.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[total.group(3)]
    # The sink may have read a few requests whose answers wrk did not wait for when its time was up.
    if not requests <= counts["requests"] <= requests + CONCURRENCY or counts["ids"] != counts["requests"]:
        fail(f"wrk completed {requests:,} requests but the sink (delay {delay_ms} ms) counted "
             f"{counts['requests']:,} with {counts['ids']:,} distinct webhook-id values")
    return float(rate.group(1)), rss, requests, seconds, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--careline", required=True, help="the release careline binary")
    parser.add_argument("--sink", required=True, help="the built sink (cc -O2 -o sink Benchmarks/sink/sink.c)")
    parser.add_argument("--messages", type=int, default=100000, help="messages queued and sent per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42, help="scripts/gen-patients' seed")
    parser.add_argument("--templates", default=str(ROOT / "Templates"), help="the Templates folder")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="wrk's -d per run")
    parser.add_argument("--targets", help="append issue 6's dispatch target lines (TSV) to this file")
    parser.add_argument("--harness-only", action="store_true",
                        help="check preparation, sink and wrk without timing careline dispatch")
    args = parser.parse_args()
    if args.messages < 1 or args.runs < 1 or args.wrk_seconds < 1:
        fail("--messages, --runs and --wrk-seconds take a positive whole number", 64)

    careline = str(Path(args.careline).resolve())
    sink_binary = str(Path(args.sink).resolve())
    templates = Path(args.templates).resolve()
    dispatch = has_dispatch(careline)
    if not dispatch and not args.harness_only:
        fail(f"{careline} has no `dispatch` subcommand (`careline dispatch --help` does not describe it): "
             "build a careline that has it, or pass --harness-only to check everything else", 69)
    wrk = ensure_wrk()

    rates: dict[int, list[float]] = {delay: [] for delay in DELAYS}
    wrk_rss: dict[int, list[float]] = {delay: [] for delay in DELAYS}
    wrk_requests: dict[int, list[int]] = {delay: [] for delay in DELAYS}
    wrk_seconds: dict[int, list[float]] = {delay: [] for delay in DELAYS}
    wrk_body: dict[int, float] = {}
    times: dict[int, list[float]] = {delay: [] for delay in DELAYS}
    rss: dict[int, list[float]] = {delay: [] for delay in DELAYS}
    body: dict[int, float] = {}
    report: dict = {}
    with tempfile.TemporaryDirectory(prefix="careline-dispatch-") as root_folder:
        root = Path(root_folder)
        (root / "prepared").mkdir()
        print(f"bench: preparing {args.messages:,} queued messages (not timed)", file=sys.stderr)
        database = prepare(careline, templates, args.messages, args.seed, root / "prepared")
        for index in range(args.runs):
            for delay in DELAYS:
                folder = root / f"run-{index + 1}-{delay}ms"
                folder.mkdir()
                rate, memory, requests, seconds, counts = time_wrk(
                    wrk, sink_binary, delay, args.wrk_seconds, folder)
                rates[delay].append(rate)
                wrk_rss[delay].append(memory)
                wrk_requests[delay].append(requests)
                wrk_seconds[delay].append(seconds)
                wrk_body[delay] = counts["body_bytes"] / counts["requests"]
                if dispatch:
                    fresh_copy(database, folder)
                    seconds, memory, report, counts = time_dispatch(
                        careline, sink_binary, delay, args.messages, templates, folder)
                    times[delay].append(seconds)
                    rss[delay].append(memory)
                    body[delay] = counts["body_bytes"] / counts["requests"]
                shutil.rmtree(folder)
            print(f"bench: dispatch run {index + 1}/{args.runs} done", file=sys.stderr)

    print(f"{args.messages:,} queued messages (`scripts/gen-patients {args.messages} {args.seed}`, one step each) "
          f"to a loopback sink, webhook `concurrency = {CONCURRENCY}`, {args.runs} runs, median\n")
    print("| workload | messages | seconds | messages/s | peak RSS (MiB) | ÷ wrk (messages/s) |")
    print("|---|--:|--:|--:|--:|--:|")
    for delay in DELAYS:
        answer = "answers at once" if delay == 0 else f"answers after {delay} ms"
        wrk_rate = statistics.median(rates[delay])
        print(f"| `wrk -t2 -c{CONCURRENCY}`, same POST shape and size (the sink {answer}) | "
              f"{statistics.median(wrk_requests[delay]):,.0f} | {statistics.median(wrk_seconds[delay]):.2f} | "
              f"{wrk_rate:,.0f} | {statistics.median(wrk_rss[delay]):.0f} | — |")
        if dispatch:
            seconds = statistics.median(times[delay])
            print(f"| `careline dispatch` (the sink {answer}) | {args.messages:,} | {seconds:.2f} | "
                  f"{args.messages / seconds:,.0f} | {statistics.median(rss[delay]):.0f} | "
                  f"{args.messages / seconds / wrk_rate:.2f}× |")
    if dispatch and args.targets:
        # workload, measure, target, measured, met: scripts/bench prints them in its summary table.
        with open(args.targets, "a", encoding="utf-8") as out:
            for delay in DELAYS:
                ratio = args.messages / statistics.median(times[delay]) / statistics.median(rates[delay])
                answer = "at once" if delay == 0 else f"after {delay} ms"
                target, met = ("≥ 0.6×", "yes" if ratio >= 0.6 else "no") if delay == 0 else ("—", "—")
                out.write(f"dispatch\tmessages/s ÷ wrk's requests/s (sink answers {answer})\t{target}\t"
                          f"{ratio:.2f}×\t{met}\n")
            peak = max(statistics.median(rss[delay]) for delay in DELAYS)
            out.write(f"dispatch\tpeak RSS (MiB)\t—\t{peak:.0f}\t—\n")
    if dispatch:
        print(f"\nEvery dispatch run sent all {args.messages:,} messages, and the sink counted as many requests and "
              f"distinct `webhook-id` values. Mean body: careline {body[0]:.0f} bytes, wrk {wrk_body[0]:.0f} "
              f"bytes. The last run's report: `{json.dumps(report, separators=(',', ':'))}`.")
    else:
        print(f"\n`careline dispatch` is not in {careline}: only the preparation ({args.messages:,} queued) and "
              f"the wrk baseline ran (mean body {wrk_body[0]:.0f} bytes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
