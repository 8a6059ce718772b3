import Dispatch
import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM while `trainer run` trains: the first asks the run to stop after
/// its current step, with a checkpoint; a second ends the process at once (the next run removes
/// what it leaves half-written). The signals are taken from the process's handlers and
/// delivered on a dispatch queue, so nothing runs in signal context.
enum StopSignals {
  /// The first signal received (0: none).
  private static let received = Atomic<Int32>(0)
  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

  /// The signal that asked the run to stop, if any.
  static var signal: Int32? {
    let s = received.load(ordering: .acquiring)
    return s == 0 ? nil : s
  }

  static func name(_ signal: Int32) -> String { signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)" }

  /// Installs the handlers (once).
  static func install() {
    guard sources.isEmpty else { return }
    for sig in [SIGINT, SIGTERM] {
      Foundation.signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      source.setEventHandler {
        if received.compareExchange(expected: 0, desired: sig, ordering: .acquiringAndReleasing).exchanged {
          FileHandle.standardError.write(Data(
            "\n\(name(sig)): stopping after the current step, with a checkpoint (again to stop at once)\n".utf8))
        } else {
          FileHandle.standardError.write(Data("\n\(name(sig)): stopped at once\n".utf8))
          _exit(128 + sig)
        }
      }
      source.resume()
      sources.append(source)
    }
  }
}
