import Synchronization

/// Message ids for one queue run: `msg_` and 26 base-32 characters, increasing within the run.
///
/// The first id of a run is random (128 bits), and every next id is the previous one plus one. Ids of one run therefore sort in the order they were made, which lets
/// SQLite append a run's ids to the end of a region of the id index instead of inserting two million of them at
/// random places; two runs still share an id only if their random starting points come within the run's length
/// of each other (a chance far below 2⁻⁶⁰). The alphabet is in ASCII order, so text order is numeric order.
///
/// A message id is an identifier, not a secret: knowing one grants nothing (webhook receivers use it to
/// de-duplicate).
public final class MessageIDs: Sendable {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    private let next: Mutex<(high: UInt64, low: UInt64)>

    /// Starts at a random point.
    public convenience init() {
        var generator = SystemRandomNumberGenerator()
        self.init(start: (generator.next(), generator.next()))
    }

    /// Starts at `start` (tests pass a fixed one).
    public init(start: (high: UInt64, low: UInt64)) {
        next = Mutex(start)
    }

    /// The next id.
    public func make() -> String {
        let value = next.withLock { state -> (high: UInt64, low: UInt64) in
            let current = state
            let (low, carry) = state.low.addingReportingOverflow(1)
            state = (carry ? state.high &+ 1 : state.high, low)
            return current
        }
        var bytes: [UInt8] = Array("msg_".utf8)
        bytes.reserveCapacity(30)
        // 13 characters carry 65 bits: the high word's 64 (its leading character holds only one of them), then
        // the low word's. Fixed width, most significant first, so text order follows the 128-bit value.
        Self.append(value.high, to: &bytes)
        Self.append(value.low, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func append(_ word: UInt64, to bytes: inout [UInt8]) {
        for index in stride(from: 12, through: 0, by: -1) {
            bytes.append(alphabet[Int((word >> UInt64(index * 5)) & 31)])
        }
    }
}
