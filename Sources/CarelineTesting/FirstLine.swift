import Foundation

extension FileHandle {
    /// Reads until the first line break (or the end of the stream) and returns what was read: how a test peer
    /// started as a child process announces itself (`PORT 43210`, `LOCKED`).
    public func readFirstLine() -> String {
        var text = ""
        while !text.contains("\n") {
            let data = availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        return text
    }
}
