import Foundation
import Testing

@testable import CarelineCore

@Suite("Phone number: redacted (purged) form")
struct PhoneNumberRedactionTests {
    @Test(arguments: ["+8613800138000", "+12015550123", "+447400123456", "+919876543210", "+4930123456"])
    func theMaskedFormOfEveryNumberReadsBackRedacted(e164: String) throws {
        let number = try #require(PhoneNumber(e164: e164))
        let redacted = try #require(PhoneNumber(redacted: number.masked))
        #expect(redacted.isRedacted)
        #expect(!number.isRedacted)
        #expect(redacted.masked == number.masked)
        #expect(redacted.e164 == number.masked)
        #expect(redacted.description == number.masked)
        #expect(redacted != number)
    }

    @Test(arguments: [
        "+8613800138000", "+86138****8000x", "86138****8000", "+06138****8000", "+86138**8**000",
        "+86138****80000", "+8****", "", "+86138****8000000000",
    ])
    func refusesAnythingThatIsNotAMaskedNumber(text: String) {
        #expect(PhoneNumber(redacted: text) == nil)
    }
}
