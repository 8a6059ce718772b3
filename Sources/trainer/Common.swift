import ArgumentParser
import Autograd
import Foundation

/// Options shared by commands that compute.
struct ComputeOptions: ParsableArguments {
  @Option(help: "Worker threads for BLAS and the elementwise kernels (default: all cores).")
  var threads: Int?

  func apply() {
    let n = threads ?? ProcessInfo.processInfo.activeProcessorCount
    Parallel.threads = max(1, n)
  }
}

/// Prints library errors as one clear line and exits non-zero.
func runReportingErrors(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let error as ExitCode {
    throw error
  } catch let error as ValidationError {
    throw error
  } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    throw ExitCode.failure
  }
}

/// A progress bar on a terminal (stderr), nothing otherwise.
struct ProgressBar {
  let total: Int
  let label: String
  let start = Date()
  let enabled = isatty(STDERR_FILENO) != 0

  func update(_ done: Int) {
    guard enabled, total > 0 else { return }
    let width = 30
    let filled = width * done / total
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let eta = rate > 0 ? Double(total - done) / rate : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let line = String(format: "\r%@ [%@] %d/%d  %.1f/s  ETA %.0fs ", label, bar, done, total, rate, eta)
    FileHandle.standardError.write(Data(line.utf8))
    if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
