import CarelineCore
import CarelineTesting
import Foundation
import Testing

@testable import CarelineCurl

@Suite("WebhookSignature (Standard Webhooks v1)")
struct WebhookSignatureTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var secret: String
        var id: String
        var timestamp: Int
        var body: String
        var signature: String
        var testDescription: String { id }
    }

    /// The two vectors of ../shared/corpora/README.md §2 (Standard Webhooks libraries' sign tests).
    static let vectors = [
        Vector(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330, body: #"{"test": 2432232314}"#,
            signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        Vector(
            secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            timestamp: 1_649_367_553, body: #"{"email":"test@example.com","username":"test_user"}"#,
            signature: "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="),
    ]

    @Test(arguments: vectors)
    func signsTheVector(_ vector: Vector) throws {
        let signer = try #require(WebhookSignature(secret: vector.secret))
        let body = Array(vector.body.utf8)
        #expect(signer.sign(id: vector.id, timestamp: vector.timestamp, body: body) == vector.signature)
        #expect(
            signer.verify(header: vector.signature, id: vector.id, timestamp: vector.timestamp, body: body))
    }

    /// The same vectors read from the corpus README's table, so a drift between the two is caught.
    @Test(
        .enabled(if: Corpus.root() != nil, "../shared/corpora is absent: the README vectors cannot be read"))
    func corpusReadmeVectorsReproduce() throws {
        let text = String(decoding: try #require(try Corpus.data("README.md")), as: UTF8.self)
        let section = try #require(text.components(separatedBy: "## 2. Standard Webhooks").dropFirst().first)
            .components(separatedBy: "\n## ")[0]
        var found: [Vector] = []
        for line in section.split(separator: "\n") where line.hasPrefix("| 1 |") || line.hasPrefix("| 2 |") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            func quoted(_ cell: String) -> String {
                cell.components(separatedBy: "`").dropFirst().first ?? ""
            }
            found.append(
                Vector(
                    secret: quoted(cells[1]), id: quoted(cells[2]), timestamp: Int(cells[3]) ?? 0,
                    body: quoted(cells[4]), signature: quoted(cells[5])))
        }
        #expect(found.count == 2)
        for vector in found {
            let signer = try #require(WebhookSignature(secret: vector.secret))
            #expect(
                signer.sign(id: vector.id, timestamp: vector.timestamp, body: Array(vector.body.utf8))
                    == vector.signature)
        }
        #expect(found.map(\.signature) == Self.vectors.map(\.signature))
    }

    @Test func intermediateKeys() {
        func hex(_ bytes: [UInt8]?) -> String? {
            bytes.map { $0.map { String(format: "%02x", $0) }.joined() }
        }
        #expect(
            hex(WebhookSettings.signingKey(fromSecret: Self.vectors[0].secret))
                == "31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0")
        #expect(
            hex(WebhookSettings.signingKey(fromSecret: Self.vectors[1].secret))
                == "0b6155b0140886bb1c0a195020c57e6f9b1262ca686fba03")
    }

    @Test func negativeCasesFromTheReferenceLibraries() throws {
        let vector = Self.vectors[0]
        let signer = try #require(WebhookSignature(secret: vector.secret))
        let body = Array(vector.body.utf8)
        func verify(_ header: String) -> Bool {
            signer.verify(header: header, id: vector.id, timestamp: vector.timestamp, body: body)
        }
        #expect(!verify("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="))
        #expect(
            verify(
                "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA= "
                    + vector.signature))
        #expect(!verify("v2," + vector.signature.dropFirst(3)))
        #expect(!verify("v1,"))
        #expect(!verify("v1,not base64 at all!"))
        #expect(!verify(""))
        #expect(
            !signer.verify(
                header: vector.signature, id: vector.id, timestamp: vector.timestamp + 1, body: body))
        #expect(WebhookSignature(secret: "whsec_") == nil)
        #expect(WebhookSignature(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
    }

    @Test func neverShowsTheKey() throws {
        let signer = try #require(WebhookSignature(secret: Self.vectors[0].secret))
        var dumped = ""
        dump(signer, to: &dumped)
        #expect(String(describing: signer) == "WebhookSignature(v1, key hidden)")
        #expect(!dumped.contains("31f290") && !dumped.contains("MfKQ9"))
    }
}
