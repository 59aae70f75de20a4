#!/usr/bin/env python3
"""Jinja2 baseline for careline's render benchmark.

Reads the sample that `careline-bench sample` prints (the template, and for each generated patient the
context with every derived field and date text precomputed as plain strings, plus careline's text), checks
that Jinja2 renders exactly careline's text for every patient, then times `--runs` runs of `--iterations`
renders of the first patient's context. Prints one tab-separated line in the format of `careline-bench render`.
"""

import argparse
import json
import statistics
import sys
import time

import jinja2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", required=True, help="JSON printed by `careline-bench sample`")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200_000)
    parser.add_argument("--check-only", action="store_true", help="check the outputs, time nothing")
    args = parser.parse_args()

    with open(args.sample, encoding="utf-8") as file:
        sample = json.load(file)
    # The template's tags are plain `{{a.b.c}}` lookups, which Jinja2 reads the same way as Mustache (dict keys
    # through attribute syntax). StrictUndefined makes a missing field an error, like careline's strict mode;
    # autoescape is off, like careline's SMS mode.
    environment = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    template = environment.from_string(sample["template"])

    for index, case in enumerate(sample["cases"]):
        text = template.render(case["context"])
        if text != case["expected"]:
            print(
                f"jinja2 printed a different text for patient {index}:\n"
                f"  got:      {text}\n  expected: {case['expected']}",
                file=sys.stderr,
            )
            return 1
    if args.check_only:
        return 0

    context = sample["cases"][0]["context"]
    render = template.render
    sink = sum(len(render(context)) for _ in range(min(args.iterations // 10, 20_000)))  # warm-up
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        total = 0
        for _ in range(args.iterations):
            total += len(render(context))
        elapsed = time.perf_counter() - start
        rates.append(args.iterations / elapsed)
        sink += total
    median = statistics.median(rates)
    print(
        "\t".join(
            [
                f"jinja2-{jinja2.__version__}",
                str(args.iterations),
                str(args.runs),
                f"{median:.0f}",
                f"{1e6 / median:.3f}",
                "n/a",
                str(sink),
                ",".join(f"{rate:.0f}" for rate in rates),
            ]
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
