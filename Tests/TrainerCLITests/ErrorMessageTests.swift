import Foundation
import Testing

@testable import TrainerCLI

/// File-system errors are printed as "cannot write FILE: reason" (or read, create, remove),
/// not as NSCocoaErrorDomain dumps.
@Suite struct ErrorMessageTests {
  func cocoa(_ code: CocoaError.Code, _ posix: POSIXErrorCode?, path: String) -> CocoaError {
    var info: [String: Any] = [NSFilePathErrorKey: path]
    if let posix { info[NSUnderlyingErrorKey] = NSError(domain: NSPOSIXErrorDomain, code: Int(posix.rawValue)) }
    return CocoaError(code, userInfo: info)
  }

  @Test func fileSystemErrorsNameTheFileAndTheReason() {
    #expect(errorMessage(cocoa(.fileWriteVolumeReadOnly, .EROFS, path: "/ro/out")) == "cannot write /ro/out: read-only file system")
    #expect(errorMessage(cocoa(.fileWriteOutOfSpace, .ENOSPC, path: "/full/x.json")) == "cannot write /full/x.json: no space left on device")
    #expect(errorMessage(cocoa(.fileWriteNoPermission, .EACCES, path: "/etc/x")) == "cannot write /etc/x: permission denied")
    #expect(errorMessage(cocoa(.fileReadNoSuchFile, .ENOENT, path: "/no/such")) == "cannot read /no/such: no such file or directory")
    #expect(errorMessage(cocoa(.fileWriteFileExists, nil, path: "/a/b")) == "cannot write /a/b: the file exists")
    #expect(errorMessage(cocoa(.fileWriteUnknown, .EDQUOT, path: "/q")) == "cannot write /q: disk quota exceeded")
    #expect(errorMessage(POSIXError(.ENOSPC)) == "no space left on device")
  }

  @Test func aRealFileSystemErrorIsDescribedTheSameWay() throws {
    // a real one: a file under a path whose parent is a plain file
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-tests-\(UUID().uuidString)")
    try Data().write(to: dir)
    defer { try? FileManager.default.removeItem(at: dir) }
    do {
      try FileManager.default.createDirectory(at: dir.appendingPathComponent("out"), withIntermediateDirectories: true)
      Issue.record("created a directory under a file")
    } catch {
      let message = errorMessage(error)
      #expect(message.hasPrefix("cannot ") && message.contains(dir.path) && !message.contains("Domain"), "\(message)")
    }
  }

  @Test func otherErrorsKeepTheirDescription() {
    struct Custom: Error, CustomStringConvertible { var description: String { "x.tsv:3: bad" } }
    #expect(errorMessage(Custom()) == "x.tsv:3: bad")
  }
}
