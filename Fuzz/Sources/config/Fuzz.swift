import CarelineCore
import FuzzSupport

/// One input: a `careline.toml`, parsed as every command loads it (clinic, paths, policy, store and the
/// sender settings of each `[senders.NAME]`). An error must name the file and, when it has a position, a line
/// and column from 1 inside the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let lines = text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    do {
        let configuration = try Configuration.parse(text, file: "fuzz/careline.toml")
        for (name, sender) in configuration.senders {
            invariant(sender.name == name, "sender \(name) is called \(sender.name)")
            if let line = sender.line { invariant(line >= 1 && line <= lines, "sender on line \(line)") }
            _ = sender.settings.pricing
        }
        _ = configuration.clinicFields
    } catch {
        invariant(error.file == "fuzz/careline.toml", "error names \(error.file)")
        invariant(!error.message.isEmpty, "an error without a message")
        if let location = error.location {
            invariant(location.line >= 1 && location.column >= 1, "error at \(location): \(error.message)")
            invariant(location.line <= lines, "error on line \(location.line) of \(lines)")
        }
    }
    return 0
}
