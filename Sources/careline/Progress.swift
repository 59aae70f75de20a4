import Foundation

/// A progress line on stderr, only when stderr is a terminal.
enum Progress {
    static func terminal(label: String) -> ((Int, Int?) -> Void)? {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        nonisolated(unsafe) var last = Date.distantPast
        return { done, total in
            let now = Date()
            guard now.timeIntervalSince(last) > 0.2 else { return }
            last = now
            let share = total.map { $0 > 0 ? " \(done * 100 / $0)%" : "" } ?? ""
            FileHandle.standardError.write(Data("\r\(label):\(share) \(done / 1_048_576) MiB".utf8))
        }
    }

    static func finish(_ progress: ((Int, Int?) -> Void)?) {
        if progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
