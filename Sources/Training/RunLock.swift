import Foundation

/// `<output>/.lock`: one run per output directory. The file holds the holder's PID, host and
/// start time and carries an exclusive `flock`, which the kernel drops when the holder dies;
/// a lock file whose lock is free is therefore stale (its run was killed) and is taken over.
/// Released (the file removed) by `release()`.
public final class RunLock {
  /// Who holds (or held) a lock, as its file says.
  public struct Holder: Equatable, Sendable, CustomStringConvertible {
    public var pid: Int32
    public var host: String
    public var since: String

    public var description: String { "pid \(pid) on \(host), since \(since)" }

    var text: String { "pid \(pid)\nhost \(host)\nsince \(since)\n" }

    /// The holder a lock file names, nil when it holds no complete one.
    init?(text: String) {
      var fields: [String: String] = [:]
      for line in text.split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1)
        if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
      }
      guard let pid = fields["pid"].flatMap({ Int32($0) }), let host = fields["host"], let since = fields["since"] else { return nil }
      self.init(pid: pid, host: host, since: since)
    }

    init(pid: Int32, host: String, since: String) {
      self.pid = pid
      self.host = host
      self.since = since
    }

    /// This process, now.
    static var current: Holder {
      var name = [CChar](repeating: 0, count: 256)
      let host = gethostname(&name, name.count - 1) == 0 ? String(cString: name) : "unknown-host"
      return Holder(pid: getpid(), host: host, since: ISO8601DateFormatter().string(from: Date()))
    }
  }

  public let url: URL
  private var fd: Int32

  private init(url: URL, fd: Int32) {
    self.url = url
    self.fd = fd
  }

  deinit { release() }

  /// Takes the lock of `directory` (created if need be). Refused while another live run holds
  /// it (`TrainingError.locked`, naming the holder). A stale lock of this host is taken over and
  /// reported through `warn`; one of another host is refused (its run may be alive there).
  public static func acquire(in directory: URL, warn: (String) -> Void) throws -> RunLock {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(".lock")
    let me = Holder.current
    while true {
      let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard fd >= 0 else {
        throw TrainingError.checkpoint(path: url.path, detail: "cannot create the run's lock file: \(String(cString: strerror(errno)))")
      }
      if flock(fd, LOCK_EX | LOCK_NB) != 0 {
        let holder = Self.holder(fd)
        close(fd)
        throw RunDirectoryError.locked(path: url.path, holder: holder?.description ?? "another process (it is starting)")
      }
      // the file may have been removed (released) between open and flock: lock the one at the path
      var opened = stat(), atPath = stat()
      guard fstat(fd, &opened) == 0, stat(url.path, &atPath) == 0, opened.st_ino == atPath.st_ino, opened.st_dev == atPath.st_dev else {
        close(fd)
        continue
      }
      if let old = Self.holder(fd) {
        guard old.host == me.host else {
          close(fd)
          throw RunDirectoryError.locked(
            path: url.path, holder: "\(old) (another host: if no run uses this directory there, remove the lock file)")
        }
        warn("taking over the lock \(url.path) of a run that ended without releasing it (\(old))")
      }
      let bytes = Array(me.text.utf8)
      guard ftruncate(fd, 0) == 0, pwrite(fd, bytes, bytes.count, 0) == bytes.count else {
        let reason = String(cString: strerror(errno))
        close(fd)
        throw TrainingError.checkpoint(path: url.path, detail: "cannot write the run's lock file: \(reason)")
      }
      return RunLock(url: url, fd: fd)
    }
  }

  /// The holder a lock file names (nil: empty or not a lock file).
  private static func holder(_ fd: Int32) -> Holder? {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let n = pread(fd, &buffer, buffer.count, 0)
    guard n > 0 else { return nil }
    return Holder(text: String(decoding: buffer[0..<n], as: UTF8.self))
  }

  /// Removes the lock file and drops the lock (once; later calls do nothing).
  public func release() {
    guard fd >= 0 else { return }
    unlink(url.path)
    close(fd)
    fd = -1
  }
}
