/// The derived texts of a date field, as a template names them after the dot (`{{visit.date}}`).
public enum DateField: String, Sendable, Hashable, CaseIterable {
    /// Day and month: `12月3日` / `December 3`.
    case date
    /// The day of the week: `周四` / `Thursday`.
    case weekday
    /// The distance from the send date: `明天` / `tomorrow`, `3天后` / `in 3 days`.
    case relative
    /// The ISO form `2026-12-03` (also what the bare field prints).
    case iso
}

/// Turns dates into the short texts used in care messages, in Chinese (simplified) or English.
///
/// Built from precomputed name tables; no `DateFormatter` or `Calendar`, so it is cheap enough to run for
/// every rendered message.
public enum DateText {
    /// The day and month without a year: zh `12月3日`, en `December 3`.
    /// - Parameters:
    ///   - d: the date.
    ///   - language: the message language.
    /// - Returns: the text.
    public static func date(_ d: LocalDate, _ language: MessageLanguage) -> String {
        switch language {
        case .zh: zhMonths[d.month] + zhDays[d.day]
        case .en: enMonths[d.month] + " " + numbers[d.day]
        }
    }

    /// The day of the week: zh `周一` ... `周日`, en `Monday` ... `Sunday`.
    /// - Parameters:
    ///   - d: the date.
    ///   - language: the message language.
    /// - Returns: the text.
    public static func weekday(_ d: LocalDate, _ language: MessageLanguage) -> String {
        switch language {
        case .zh: zhWeekdays[d.weekday]
        case .en: enWeekdays[d.weekday]
        }
    }

    /// The distance of a date from today, in words.
    ///
    /// zh: 今天, 明天, 后天, `N天后`; past: 昨天, 前天, `N天前`.
    /// en: today, tomorrow, `in N days`; past: yesterday, `N days ago`.
    /// - Parameters:
    ///   - d: the date being described, e.g. the appointment.
    ///   - today: the reference date, normally the send date in the patient's zone.
    ///   - language: the message language.
    /// - Returns: the text.
    public static func relative(_ d: LocalDate, from today: LocalDate, _ language: MessageLanguage) -> String
    {
        let days = today.days(until: d)
        switch language {
        case .zh:
            switch days {
            case 0: return "今天"
            case 1: return "明天"
            case 2: return "后天"
            case -1: return "昨天"
            case -2: return "前天"
            default: return days > 0 ? "\(days)天后" : "\(-days)天前"
            }
        case .en:
            switch days {
            case 0: return "today"
            case 1: return "tomorrow"
            case -1: return "yesterday"
            default: return days > 0 ? "in \(days) days" : "\(-days) days ago"
            }
        }
    }

    /// One derived text of a date field, by name.
    /// - Parameters:
    ///   - field: which text (`date`, `weekday`, `relative`, `iso`).
    ///   - d: the date.
    ///   - today: the reference date for `relative` (the send date in the patient's zone).
    ///   - language: the message language.
    /// - Returns: the text.
    public static func text(
        _ field: DateField, of d: LocalDate, today: LocalDate, _ language: MessageLanguage
    ) -> String {
        switch field {
        case .date: date(d, language)
        case .weekday: weekday(d, language)
        case .relative: relative(d, from: today, language)
        case .iso: d.iso
        }
    }

    // Tables indexed by month (1...12), day (1...31) and ISO weekday (1...7); index 0 is unused.
    private static let enMonths = [
        "", "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    private static let zhMonths = (0...12).map { "\($0)月" }
    private static let zhDays = (0...31).map { "\($0)日" }
    private static let numbers = (0...31).map { String($0) }
    private static let enWeekdays = [
        "", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    ]
    private static let zhWeekdays = ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"]
}
