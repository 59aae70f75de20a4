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
        var text = ""
        appendRelative(today.days(until: d), language, to: &text)
        return text
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

    /// Appends one derived text of a date field to `output`, without building it as a string first.
    ///
    /// Writes the same text as ``text(_:of:today:_:)``; the renderer uses it for every date member it prints.
    /// - Parameters:
    ///   - field: which text.
    ///   - d: the date.
    ///   - today: the reference date for `relative`; when `nil`, `relative` writes nothing.
    ///   - language: the message language.
    ///   - output: the text to append to.
    static func append(
        _ field: DateField, of d: LocalDate, today: LocalDate?, _ language: MessageLanguage,
        to output: inout String
    ) {
        switch field {
        case .date:
            switch language {
            case .zh:
                output.append(zhMonths[d.month])
                output.append(zhDays[d.day])
            case .en:
                output.append(enMonths[d.month])
                output.append(" ")
                output.append(numbers[d.day])
            }
        case .weekday:
            output.append(weekday(d, language))
        case .relative:
            guard let today else { return }
            appendRelative(today.days(until: d), language, to: &output)
        case .iso:
            output.append(d.iso)
        }
    }

    /// Appends the words for a distance of `days` days, as ``relative(_:from:_:)`` says it.
    private static func appendRelative(_ days: Int, _ language: MessageLanguage, to output: inout String) {
        switch language {
        case .zh:
            switch days {
            case 0: output.append("今天")
            case 1: output.append("明天")
            case 2: output.append("后天")
            case -1: output.append("昨天")
            case -2: output.append("前天")
            default:
                appendNumber(days > 0 ? days : -days, to: &output)
                output.append(days > 0 ? "天后" : "天前")
            }
        case .en:
            switch days {
            case 0: output.append("today")
            case 1: output.append("tomorrow")
            case -1: output.append("yesterday")
            default:
                if days > 0 {
                    output.append("in ")
                    appendNumber(days, to: &output)
                    output.append(" days")
                } else {
                    appendNumber(-days, to: &output)
                    output.append(" days ago")
                }
            }
        }
    }

    /// Appends a non-negative number in decimal digits (from the table for 0...31).
    private static func appendNumber(_ value: Int, to output: inout String) {
        if value < numbers.count {
            output.append(numbers[value])
        } else {
            output.append(String(value))
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
