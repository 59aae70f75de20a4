import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// Mutated campaign files: parsing must either succeed or throw a ``ConfigurationError`` that points inside
/// the file, and never trap.
@Suite("Campaign file fuzzing")
struct CampaignFileFuzzTests {
    /// SplitMix64: a small deterministic generator so every run mutates the same way.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seed = """
        template = "recheck-reminder"
        senders = ["sms", "file"]
        kind = "reminder"
        require_approval = true
        description = "Recheck"
        [trigger]
        field = "recheck_date"
        offsets = ["-3d", "-1w", "+2d", "0d"]
        [audience]
        tags = ["cataract"]
        exclude_tags = ["deceased"]
        require = ["recheck_date"]
        where = { complaint_status = "resolved" }
        [window]
        hours = ["19:00-21:00", "21:30-07:30"]
        days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        timezone = "Asia/Shanghai"
        skip_dates = ["2027-02-17", 2027-02-18]
        [limits]
        expire_after = "2d"
        dedupe = "patient"
        """

    /// Bytes that change TOML structure, to reach more parser paths than random bytes alone.
    static let interesting = Array("\"'[]{}=,.-+:#\n \\0123456789dwTZ".utf8) + [0x00, 0xC3, 0xFF]

    @Test func twoThousandMutationsNeverCrash() throws {
        // The seed itself is valid and uses every key.
        #expect(try CampaignFile.parse(Self.seed, file: "fuzz.toml").hours.count == 2)
        var generator = Generator(state: 20_261_201)
        let original = Array(Self.seed.utf8)
        var succeeded = 0
        var failed = 0
        for _ in 0..<2_000 {
            var bytes = original
            for _ in 0...Int.random(in: 0...3, using: &generator) {
                guard !bytes.isEmpty else { break }
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: bytes[index] ^= UInt8.random(in: 1...255, using: &generator)
                case 1: bytes[index] = Self.interesting.randomElement(using: &generator) ?? 0
                case 2: bytes.removeSubrange(index...)
                case 3: bytes.remove(at: index)
                default:
                    let end = min(bytes.count, index + Int.random(in: 1...12, using: &generator))
                    bytes.insert(contentsOf: bytes[index..<end], at: index)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                _ = try CampaignFile.parse(text, file: "fuzz.toml")
                succeeded += 1
            } catch {
                failed += 1
                #expect(error.file == "fuzz.toml")
                #expect(!error.message.isEmpty)
                if let location = error.location {
                    #expect((1...lines + 1).contains(location.line), "\(error)")
                    #expect(location.column >= 1, "\(error)")
                } else {
                    #expect(error.code == .missingKey, "\(error)")
                }
            }
        }
        #expect(succeeded + failed == 2_000)
        #expect(succeeded > 50, "only \(succeeded) mutations still parsed")
        #expect(failed > 1_000, "only \(failed) mutations were rejected")
    }
}
