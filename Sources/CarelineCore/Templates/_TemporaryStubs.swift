// TEMPORARY: replaced by the helper's LocalDate/DateText/Honorific files.
import Foundation
public enum MessageLanguage: String, Sendable, Hashable { case zh, en
    public init(locale: String?) { self = (locale?.hasPrefix("zh") ?? false) ? .zh : .en }
}
public struct LocalDate: Sendable, Hashable {
    public let year: Int, month: Int, day: Int
    public init?(iso text: some StringProtocol) {
        let p = text.split(separator: "-"); guard p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]) else { return nil }
        year = y; month = m; day = d
    }
    public var iso: String { String(format: "%04d-%02d-%02d", year, month, day) }
}
public enum DateText {
    public static func date(_ d: LocalDate, _ l: MessageLanguage) -> String { "\(d.month)月\(d.day)日" }
    public static func weekday(_ d: LocalDate, _ l: MessageLanguage) -> String { "周" }
    public static func relative(_ d: LocalDate, from: LocalDate, _ l: MessageLanguage) -> String { "x" }
}
