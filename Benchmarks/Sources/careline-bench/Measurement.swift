import Glibc
import MallocInterposerSwift

/// The timed runs of one workload.
struct Measurement {
    /// The workload's key, as scripts/bench prints it (`careline-render`, …).
    var workload: String
    var iterations: Int
    /// Renders per second of each run.
    var rates: [Double] = []
    /// `malloc` calls (malloc, calloc, realloc, aligned variants) of each run; empty when not counted.
    var mallocs: [Int] = []
    /// The summed output lengths of all runs; printed so the optimizer has to keep the work.
    var sink = 0

    var medianRate: Double { Self.median(rates) }
    var microsecondsPerRender: Double { 1e6 / medianRate }
    var allocationsPerRender: Double? {
        mallocs.isEmpty ? nil : Self.median(mallocs.map { Double($0) / Double(iterations) })
    }

    /// Runs `body` once to warm up, then `runs` times with the clock (and the allocation counter) on.
    ///
    /// - Parameters:
    ///   - body: does `iterations` renders and returns a value derived from every output.
    static func take(
        _ workload: String, iterations: Int, runs: Int, countAllocations: Bool, body: (Int) throws -> Int
    ) rethrows -> Measurement {
        var measurement = Measurement(workload: workload, iterations: iterations)
        measurement.sink = try body(max(1, min(iterations / 10, 20_000)))
        let clock = ContinuousClock()
        for _ in 0..<runs {
            if countAllocations {
                MallocInterposerSwift.reset()
                MallocInterposerSwift.hook()
            }
            let start = clock.now
            let sink = try body(iterations)
            let elapsed = clock.now - start
            if countAllocations {
                MallocInterposerSwift.unhook()
                measurement.mallocs.append(MallocInterposerSwift.getStatistics().mallocCount)
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            measurement.rates.append(Double(iterations) / seconds)
            measurement.sink &+= sink
        }
        return measurement
    }

    /// Whether the interposer sees this process's mallocs (it does when its library is linked before libc or
    /// preloaded with LD_PRELOAD). Not optimized, so the probe allocation cannot be folded away.
    @_optimize(none)
    static func allocationCountingWorks() -> Bool {
        MallocInterposerSwift.reset()
        MallocInterposerSwift.hook()
        let pointer = malloc(64)
        MallocInterposerSwift.unhook()
        free(pointer)
        return MallocInterposerSwift.getStatistics().mallocCount >= 1
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
