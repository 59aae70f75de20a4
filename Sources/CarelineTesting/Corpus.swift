import Foundation

/// Locates the shared external test corpora (`../shared/corpora` beside the package root).
public enum Corpus {
    /// The corpora folder, or `nil` when it is absent (tests then skip with a message).
    ///
    /// `CARELINE_CORPORA` overrides the location.
    public static func root(file: StaticString = #filePath) -> URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["CARELINE_CORPORA"], !env.isEmpty {
            return fm.fileExists(atPath: env) ? URL(fileURLWithPath: env) : nil
        }
        guard let package = packageRoot(file: file) else { return nil }
        let url = package.deletingLastPathComponent().appendingPathComponent("shared/corpora")
        return fm.fileExists(atPath: url.path) ? url : nil
    }

    /// A file inside the corpora folder, or `nil` when the corpora are absent.
    public static func url(_ relativePath: String, file: StaticString = #filePath) -> URL? {
        guard let root = root(file: file) else { return nil }
        let url = root.appendingPathComponent(relativePath)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The data of a corpus file, or `nil` when the corpora are absent.
    public static func data(_ relativePath: String, file: StaticString = #filePath) throws -> Data? {
        guard let url = url(relativePath, file: file) else { return nil }
        return try Data(contentsOf: url)
    }

    /// The folder holding `Package.swift`, found by walking up from a source file.
    public static func packageRoot(file: StaticString = #filePath) -> URL? {
        var url = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
        let fm = FileManager.default
        while url.path != "/" {
            if fm.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return nil
    }
}
