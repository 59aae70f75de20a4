/// Decides which requests of a batch may start: at most `limit` in flight per origin, in request order.
///
/// `CURLMOPT_MAX_HOST_CONNECTIONS` alone would queue the rest inside libcurl, where their total-timeout clock
/// already runs while they wait for a connection: a slow server would then make never-sent requests time out
/// (and look possibly delivered). Starting a request only when its origin has a free slot keeps every timeout
/// honest and the easy-handle pool small.
struct HostWindow {
    /// The most requests in flight per origin.
    let limit: Int
    /// Origins in the order their first request was enqueued, so starts follow request order.
    private var origins: [String] = []
    /// Requests not yet started, per origin.
    private var waiting: [String: ArraySlice<Int>] = [:]
    /// Requests in flight, per origin.
    private var running: [String: Int] = [:]

    /// Creates an empty window.
    ///
    /// - Parameter limit: The most requests in flight per origin; at least 1.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Adds a request that waits for a slot of `origin`.
    mutating func enqueue(_ index: Int, origin: String) {
        if waiting[origin] == nil {
            origins.append(origin)
            waiting[origin] = []
        }
        waiting[origin, default: []].append(index)
    }

    /// The requests that may start now; they count as in flight until ``finished(origin:)``.
    mutating func takeStartable() -> [Int] {
        var starts: [Int] = []
        for origin in origins {
            var inFlight = running[origin, default: 0]
            while inFlight < limit, let index = waiting[origin]?.popFirst() {
                starts.append(index)
                inFlight += 1
            }
            running[origin] = inFlight
        }
        return starts
    }

    /// Frees the slot of a request of `origin` that finished (or failed to start).
    mutating func finished(origin: String) {
        running[origin, default: 1] -= 1
    }

    /// Every request not yet started, removed from the window (for failing them all).
    mutating func takeAll() -> [Int] {
        let all = origins.flatMap { waiting[$0] ?? [] }.sorted()
        waiting.removeAll()
        return all
    }
}
