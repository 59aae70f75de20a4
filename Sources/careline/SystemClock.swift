import CarelineCore
import Foundation

/// The real clocks: the system's wall clock and a monotonic one, and real sleep.
struct SystemClock: DispatchClock {
    private let origin = ContinuousClock.now

    func now() -> Date { Date() }

    func elapsed() -> Duration { ContinuousClock.now - origin }

    func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
