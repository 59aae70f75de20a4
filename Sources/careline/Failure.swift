import ArgumentParser
import CarelineCore
import CarelineSQLite
import Foundation

/// Maps every domain error to its message on stderr and its sysexits code, in one place.
enum Failure {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let temporary: Int32 = 75
    static let config: Int32 = 78

    /// Writes `error` to stderr and returns the exit code to end with.
    static func report(_ error: any Error) -> ExitCode {
        switch error {
        case let error as TemplateError:
            printError(error.description)
            return ExitCode(error.code == .notFound ? noInput : dataError)
        case let error as ConfigurationError:
            printError(error.description)
            return ExitCode(error.code == .notFound ? noInput : config)
        case let error as StoreError:
            printError(error.description)
            switch error.code {
            case .locked, .full: return ExitCode(temporary)
            default: return ExitCode(unavailable)
            }
        case let error as ApprovalError:
            printError("careline: \(error.description)")
            return ExitCode(dataError)
        case let error as PatientHeaderError:
            printError(error.description)
            return ExitCode(dataError)
        case let error as FileError:
            printError(error.description)
            return ExitCode(error.isMissing ? noInput : dataError)
        case let error as PatientImport.ChangedDuringImport:
            printError(error.description)
            return ExitCode(temporary)
        case let error as ExitCode:
            return error
        default:
            printError("careline: internal error: \(error)")
            return ExitCode(software)
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Runs a command body, turning thrown errors into a message and an exit code.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch let error as ValidationError {
            throw error
        } catch {
            throw report(error)
        }
    }
}

/// An error about a named input file that its own error type does not name (a `CSVError` knows line and
/// column, not the file).
struct FileError: Error, CustomStringConvertible {
    var file: String
    var message: String
    var isMissing: Bool

    var description: String { "\(file):\(message)" }

    /// Runs `body`, naming `file` in a `CSVError` it throws.
    static func naming<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CSVError {
            throw FileError(
                file: file, message: error.code == .io ? " \(error.message)" : error.description,
                isMissing: error.code == .io)
        }
    }
}

/// Writes to stdout without adding anything.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func line(_ text: String) {
        write(text + "\n")
    }
}
