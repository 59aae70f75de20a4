import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files that hold health data: readable by their owner only (mode 0600) from the first byte.
public enum PrivateFile {
    /// Appends `bytes` to `path` in one `O_APPEND` write sequence and `fsync`s it; creates the file 0600.
    ///
    /// - Returns: The system error's text (`No space left on device (errno 28)`), or `nil` on success.
    public static func append(_ bytes: [UInt8], to path: String) -> String? {
        let descriptor = path.withCString { open($0, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else { return systemError() }
        defer { close(descriptor) }
        if let problem = writeAll(bytes, to: descriptor) { return problem }
        guard fsync(descriptor) == 0 else { return systemError() }
        return nil
    }

    /// Replaces `path` with `bytes`: written to a new 0600 file beside it, then renamed over it, so no reader
    /// ever sees a half-written file or one readable by others.
    ///
    /// - Returns: The system error's text, or `nil` on success.
    public static func replace(_ path: String, with bytes: [UInt8]) -> String? {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = temporary.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else { return systemError() }
        let problem = writeAll(bytes, to: descriptor)
        close(descriptor)
        if problem == nil, rename(temporary, path) == 0 { return nil }
        let failure = problem ?? systemError()
        unlink(temporary)
        return failure
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> String? {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return systemError()
            }
            written += count
        }
        return nil
    }

    private static func systemError() -> String {
        let code = errno
        return "\(String(cString: strerror(code))) (errno \(code))"
    }
}
