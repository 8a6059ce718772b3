import ArgumentParser
import Foundation

/// Prints library errors as one clear line and exits non-zero.
func runReportingErrors(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let error as ExitCode {
    throw error
  } catch let error as ValidationError {
    throw error
  } catch {
    let comm = Job.communicator
    let rank = comm.size > 1 ? " (rank \(comm.rank) of \(comm.size))" : ""
    FileHandle.standardError.write(Data("error\(rank): \(errorMessage(error))\n".utf8))
    throw ExitCode.failure
  }
}

/// The line `runReportingErrors` prints for `error` (after "error: "): a file-system error
/// (Foundation's, e.g. from FileManager or Data.write, or a POSIX one) as "cannot write FILE:
/// read-only file system"; any other error as it describes itself.
func errorMessage(_ error: any Error) -> String {
  let ns = error as NSError
  switch ns.domain {
  case NSCocoaErrorDomain: return FileSystemError(ns).message
  case NSPOSIXErrorDomain: return FileSystemError.reason(posix: Int32(ns.code))
  default: return "\(error)"
  }
}

/// A Foundation file error: what was being done, to which file, and why.
struct FileSystemError {
  let code: Int
  let path: String?
  /// The underlying POSIX error, when Foundation gives one.
  let posix: Int32?

  init(_ error: NSError) {
    code = error.code
    path = error.userInfo[NSFilePathErrorKey] as? String ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
    let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError
    posix = underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? Int32($0.code) : nil }
  }

  var message: String {
    let verb = switch code {
    case CocoaError.fileNoSuchFile.rawValue, 256..<512: "read"
    case 512..<1024: "write"
    default: "access"
    }
    return "cannot \(verb)\(path.map { " \($0)" } ?? ""): \(posix.map(Self.reason(posix:)) ?? reason)"
  }

  /// Why, from Foundation's code alone.
  private var reason: String {
    switch CocoaError.Code(rawValue: code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: "no such file or directory"
    case .fileReadNoPermission, .fileWriteNoPermission: "permission denied"
    case .fileWriteVolumeReadOnly: "read-only file system"
    case .fileWriteOutOfSpace: "no space left on device"
    case .fileWriteFileExists: "the file exists"
    case .fileReadCorruptFile: "the file is damaged"
    case .fileReadTooLarge: "the file is too large"
    case .fileWriteInvalidFileName: "not a valid file name"
    case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding: "not text in the expected encoding"
    case .fileLocking: "the file is locked"
    default: "file-system error \(code)"
    }
  }

  /// The C library's description of a POSIX error, lowercased ("read-only file system").
  static func reason(posix code: Int32) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
  }
}
