import ArgumentParser
import Foundation
import Logging
import Synchronization

/// swift-log to stderr, set up once per process at the level of `--log-level`.
enum LogSetup {
    private static let done = Mutex(false)

    /// Routes every logger to stderr at `level` (the first call wins).
    static func bootstrap(level: Logger.Level) {
        done.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
