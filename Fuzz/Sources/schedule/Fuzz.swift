import CarelineCore
import FuzzSupport

/// One input: a schedule file (`Schedules/*.toml`), parsed as `careline queue` loads it; this runs the TOML
/// parser and every campaign key's reader. A parsed campaign must be self-consistent; an error must name the
/// file and, when it has a position, a line and column from 1.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let lines = text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    do {
        let campaign = try CampaignFile.parse(text, file: "Schedules/fuzz.toml")
        invariant(campaign.name == "fuzz", "campaign named \(campaign.name)")
        invariant(!campaign.hours.isEmpty, "a campaign without contact hours")
        for range in campaign.hours {
            invariant((0..<1440).contains(range.start.minutes), "window starts at \(range.start.minutes)")
            invariant((0..<1440).contains(range.end.minutes), "window ends at \(range.end.minutes)")
            invariant(
                range.nominalMinutes >= 0 && range.nominalMinutes <= 1440, "window of \(range.nominalMinutes)"
            )
        }
        if case .offsets(_, let steps) = campaign.trigger {
            for step in steps {
                invariant(abs(step.days) <= StepOffset.maximumDays, "offset of \(step.days) days")
            }
        }
    } catch {
        invariant(error.file == "Schedules/fuzz.toml", "error names \(error.file)")
        invariant(!error.message.isEmpty, "an error without a message")
        if let location = error.location {
            invariant(location.line >= 1 && location.column >= 1, "error at \(location): \(error.message)")
            invariant(location.line <= lines, "error on line \(location.line) of \(lines)")
        }
    }
    return 0
}
