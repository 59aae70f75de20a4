import ArgumentParser
import CarelineCore
import Foundation

/// `careline-bench render`: times the Swift render workloads and prints one tab-separated line per workload.
struct RenderBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Time careline's renderer against swift-mustache (tab-separated results on stdout).",
        discussion: """
            Workloads: careline-render (template and context built once), careline-message (context from one \
            of 1,000 patients, render, SMS analysis), swift-mustache (same template, precomputed strings). \
            All outputs are checked against each other before anything is timed.
            """
    )

    static let workloads = ["careline-render", "careline-message", "swift-mustache"]

    /// The exit code when allocations cannot be counted (EX_UNAVAILABLE).
    static let allocationCountingUnavailable: Int32 = 69

    @Option(help: "Timed runs per workload; the median is reported.")
    var runs = 5

    @Option(help: "Renders per run.")
    var iterations = 1_000_000

    @Option(help: "Renders per run of swift-mustache (default: --iterations).")
    var mustacheIterations: Int?

    @Option(
        name: .customLong("only"),
        help: "Run only these workloads (\(RenderBenchmark.workloads.joined(separator: ", "))); repeatable.")
    var only: [String] = []

    @Flag(help: "Do not count allocations (the interposer then only forwards malloc).")
    var noAllocationCount = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard iterations >= 1, (mustacheIterations ?? 1) >= 1 else {
            throw ValidationError("--iterations and --mustache-iterations must be at least 1")
        }
        for name in only where !Self.workloads.contains(name) {
            throw ValidationError(
                "unknown workload \(name); choose from \(Self.workloads.joined(separator: ", "))")
        }
    }

    func run() throws {
        let countAllocations = !noAllocationCount
        if countAllocations, !Measurement.allocationCountingWorks() {
            // scripts/bench retries with LD_PRELOAD on this exit code.
            FileHandle.standardError.write(
                Data(
                    ("careline-bench: malloc-interposer counted no allocation; run with LD_PRELOAD="
                        + "Benchmarks/.build/release/libMallocInterposerSwift.so, or pass --no-allocation-count\n")
                        .utf8))
            throw ExitCode(Self.allocationCountingUnavailable)
        }
        let engines = try RenderEngines()
        let selected = only.isEmpty ? Self.workloads : Self.workloads.filter(only.contains)
        print(
            [
                "workload", "iterations", "runs", "renders_per_s", "us_per_render", "allocs_per_render",
                "sink", "rates",
            ]
            .joined(separator: "\t"))
        for workload in selected {
            let measurement: Measurement
            switch workload {
            case "careline-render":
                measurement = try Measurement.take(
                    workload, iterations: iterations, runs: runs, countAllocations: countAllocations,
                    body: engines.renderOnly.run)
            case "careline-message":
                measurement = try Measurement.take(
                    workload, iterations: iterations, runs: runs, countAllocations: countAllocations,
                    body: engines.fullMessage.run)
            default:
                measurement = Measurement.take(
                    workload, iterations: mustacheIterations ?? iterations, runs: runs,
                    countAllocations: countAllocations, body: engines.mustache.run)
            }
            print(Self.line(measurement))
        }
    }

    private static func line(_ m: Measurement) -> String {
        [
            m.workload, String(m.iterations), String(m.rates.count), String(format: "%.0f", m.medianRate),
            String(format: "%.3f", m.microsecondsPerRender),
            m.allocationsPerRender.map { String(format: "%.2f", $0) } ?? "n/a", String(m.sink),
            m.rates.map { String(format: "%.0f", $0) }.joined(separator: ","),
        ].joined(separator: "\t")
    }
}
