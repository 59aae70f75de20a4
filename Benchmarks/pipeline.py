#!/usr/bin/env python3
"""The import, queue and preview workloads: the release `careline` binary against sqlite3's own `.import`.

For each run, in a fresh folder: `careline patients import` of the generated CSV into a new database, the same
import again (every row unchanged), `careline queue` of a 2-step recheck campaign (offsets -3d and -1d) over all
patients, `careline preview --format json` of every queued message (counted in a pipe, checked against the
queue's count), and `sqlite3 floor.db ".import --csv"` of the same CSV into a plain table (the floor). Wall time and
peak RSS (ru_maxrss of the child) are taken per process; the table shows medians over the runs and ratios against
the floor measured in the same run. Prints one markdown table on stdout.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEDULE = """template = "recheck-reminder"
senders = ["file"]
kind = "reminder"
[trigger]
field = "recheck_date"
offsets = ["-3d", "-1d"]
[audience]
tags = ["cataract"]
[limits]
expire_after = "1d"
"""


def run(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Runs a command and waits with os.wait4 for its own peak RSS; returns (seconds, MiB, stdout)."""
    out_path = cwd / "stdout.txt"
    err_path = cwd / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(f"bench: {' '.join(command)} failed ({code}):\n{err_path.read_text()[:4000]}\n")
        sys.exit(1)
    return elapsed, usage.ru_maxrss / 1024, out_path.read_text()


def run_counting_lines(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Runs a command whose stdout is counted in lines as it streams (never stored); returns (seconds, MiB of
    the child's peak RSS, lines)."""
    err_path = cwd / "stderr.txt"
    with open(err_path, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=err)
        lines = 0
        assert process.stdout is not None
        while chunk := process.stdout.read(1 << 20):
            lines += chunk.count(b"\n")
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(f"bench: {' '.join(command)} failed ({code}):\n{err_path.read_text()[:4000]}\n")
        sys.exit(1)
    return elapsed, usage.ru_maxrss / 1024, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--careline", required=True, help="the release careline binary")
    parser.add_argument("--csv", required=True, help="the generated patients CSV")
    parser.add_argument("--templates", required=True, help="the Templates folder")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--targets", help="append issue 6's queue and preview target lines (TSV) to this file")
    args = parser.parse_args()

    careline = str(Path(args.careline).resolve())
    csv = Path(args.csv).resolve()
    rows = sum(1 for _ in open(csv, "rb")) - 1
    results: dict[str, list[tuple[float, float]]] = {
        "floor": [], "import": [], "reimport": [], "queue": [], "preview": []}
    queued = None
    for index in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="careline-bench-") as folder:
            work = Path(folder)
            (work / "careline.toml").write_text(
                '[clinic]\nname = "明德眼科"\nphone = "400-820-1234"\nsignature = "【明德眼科】"\n'
                'timezone = "Asia/Shanghai"\nregion = "CN"\n'
                '[clinic.en]\nname = "Mingde Eye Hospital"\nphone = "+86 400 820 1234"\n'
                f'[paths]\ntemplates = "{Path(args.templates).resolve()}"\n'
                '[policy]\nrequire_signature = true\noptout_text = { zh = "回T退订", en = "Reply STOP to opt out" }\n'
                '[store]\npath = "careline.sqlite"\n'
            )
            (work / "recheck.toml").write_text(SCHEDULE)
            seconds, rss, _ = run(["sqlite3", "floor.sqlite", f".import --csv {csv} patients"], work)
            results["floor"].append((seconds, rss))
            seconds, rss, _ = run([careline, "patients", "import", str(csv)], work)
            results["import"].append((seconds, rss))
            seconds, rss, _ = run([careline, "patients", "import", str(csv)], work)
            results["reimport"].append((seconds, rss))
            seconds, rss, out = run(
                [careline, "queue", "recheck.toml", "--now", "2026-12-01T00:00:00Z", "--skip-invalid", "--json"], work)
            results["queue"].append((seconds, rss))
            queued = out.strip()
            # Every queued message as JSON lines, streamed to a pipe that only counts them.
            seconds, rss, lines = run_counting_lines([careline, "preview", "--format", "json"], work)
            expected = json.loads(queued)["queued"]
            if lines != expected:
                sys.stderr.write(f"bench: preview printed {lines:,} lines for {expected:,} queued messages\n")
                sys.exit(1)
            results["preview"].append((seconds, rss))
        print(f"bench: pipeline run {index + 1}/{args.runs} done", file=sys.stderr)

    def median(key: str, field: int) -> float:
        return statistics.median(value[field] for value in results[key])

    floor = median("floor", 0)
    labels = {
        "floor": "sqlite3 `.import --csv` into a plain table (the floor)",
        "import": "`careline patients import` into a new database (validate, then upsert)",
        "reimport": "`careline patients import` again, every row unchanged",
        "queue": "`careline queue` of a 2-step recheck campaign (plan in 4 zones, caps, render, insert)",
        "preview": "`careline preview --format json` of every queued message (streamed to a counting pipe)",
    }
    print(f"{rows:,} generated patients (`scripts/gen-patients {rows} 42`), {args.runs} runs, median\n")
    print("| workload | seconds | rows or messages per second | peak RSS (MiB) | ÷ floor (time) |")
    print("|---|--:|--:|--:|--:|")
    messages = json.loads(queued)["queued"] if queued else 0
    for key in ["floor", "import", "reimport", "queue", "preview"]:
        seconds = median(key, 0)
        count = messages if key in ("queue", "preview") else rows
        print(
            f"| {labels[key]} | {seconds:.2f} | {count / seconds:,.0f} | {median(key, 1):.0f} | "
            f"{'—' if key == 'floor' else f'{seconds / floor:.1f}×'} |"
        )
    if args.targets:
        # workload, measure, target, measured, met: scripts/bench prints them in its summary table.
        ratio = median("queue", 0) / floor
        lines = [
            ("import", "seconds ÷ sqlite3 .import", "—", f"{median('import', 0) / floor:.1f}×", "—"),
            ("queue", "seconds ÷ sqlite3 .import (the floor)", "≤ 2×", f"{ratio:.1f}×", "yes" if ratio <= 2 else "no"),
            ("queue", "peak RSS (MiB)", "≤ 300", f"{median('queue', 1):.0f}",
             "yes" if median("queue", 1) <= 300 else "no"),
            ("preview", f"seconds for {messages:,} messages", "—", f"{median('preview', 0):.2f}", "—"),
            ("preview", "peak RSS (MiB)", "≤ 100", f"{median('preview', 1):.0f}",
             "yes" if median("preview", 1) <= 100 else "no"),
        ]
        with open(args.targets, "a", encoding="utf-8") as out:
            for line in lines:
                out.write("\t".join(line) + "\n")
    if queued:
        report = json.loads(queued)
        counts = ", ".join(f"{key} {report[key]:,}" for key in ["queued", "duplicates", "opted_out", "expired", "capped"])
        print(f"\nThe queue run's report: {counts}, errors {len(report['errors']):,} (batch {report['batch']}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
