import ArgumentParser

/// The benchmark harness: one subcommand per workload family.
///
/// Built in release mode by `scripts/bench`, which also runs the Python baseline and prints the table.
@main
struct CarelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careline-bench",
        abstract: "Release-build benchmarks of careline.",
        subcommands: [RenderBenchmark.self, RenderSample.self, QueueProfile.self, DispatchProfile.self]
    )
}
