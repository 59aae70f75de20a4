import Crypto
import Foundation

/// A reviewer's decision on a batch: the latest one counts.
public struct BatchDecision: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case approved
        case rejected
    }
    public var batchID: Int64
    public var kind: Kind
    public var reviewer: String
    public var at: Date
    public var note: String?
    /// SHA-256 over the ids and hashes of every message the decision covered.
    public var batchHash: String

    public init(batchID: Int64, kind: Kind, reviewer: String, at: Date, note: String?, batchHash: String) {
        self.batchID = batchID
        self.kind = kind
        self.reviewer = reviewer
        self.at = at
        self.note = note
        self.batchHash = batchHash
    }
}

/// The content hashes an approval pins: SHA-256 of what goes out and to whom.
public enum ApprovalHash {
    /// SHA-256 (hex) of a message's id, recipient, body and sender chain, each length-prefixed so no two
    /// different messages can share the same input.
    public static func message(_ message: OutboxMessage) -> String {
        var hasher = SHA256()
        for part in [
            message.id, message.recipient.e164, message.body, message.senders.joined(separator: ","),
        ] {
            let bytes = Array(part.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        return hex(hasher.finalize())
    }

    /// SHA-256 (hex) over `id hash` lines sorted by id: one value for everything a decision covered.
    public static func batch(_ hashes: [(id: String, hash: String)]) -> String {
        var hasher = SHA256()
        for entry in hashes.sorted(by: { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }) {
            hasher.update(data: Array("\(entry.id) \(entry.hash)\n".utf8))
        }
        return hex(hasher.finalize())
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 15)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
