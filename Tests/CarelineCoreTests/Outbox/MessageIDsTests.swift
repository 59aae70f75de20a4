import CarelineCore
import Testing

@Suite struct MessageIDsTests {
    @Test func idsHaveTheDocumentedShape() {
        let id = MessageIDs().make()
        #expect(id.hasPrefix("msg_"))
        #expect(id.count == 30)
        let alphabet = Set("0123456789abcdefghjkmnpqrstvwxyz")
        #expect(id.dropFirst(4).allSatisfy { alphabet.contains($0) })
    }

    @Test func idsIncreaseByOneInTextOrder() {
        let ids = MessageIDs(start: (high: 7, low: 30))
        #expect(ids.make() == "msg_0000000000007000000000000y")
        #expect(ids.make() == "msg_0000000000007000000000000z")
        #expect(ids.make() == "msg_00000000000070000000000010")
    }

    @Test func theLowWordCarriesIntoTheHighWord() {
        let ids = MessageIDs(start: (high: 0, low: UInt64.max))
        let first = ids.make()
        let second = ids.make()
        #expect(first == "msg_0000000000000fzzzzzzzzzzzz")
        #expect(second == "msg_00000000000010000000000000")
        #expect(first < second)
    }

    @Test func aThousandIdsSortInTheOrderTheyWereMade() {
        let ids = MessageIDs()
        let made = (0..<1000).map { _ in ids.make() }
        #expect(made == made.sorted())
        #expect(Set(made).count == 1000)
    }

    @Test func twoRunsStartAtDifferentPoints() {
        #expect(MessageIDs().make() != MessageIDs().make())
    }
}
