import ArgumentParser
import Autograd
import Foundation

/// Options shared by commands that compute.
struct ComputeOptions: ParsableArguments {
  @Option(help: "Worker threads for BLAS and the elementwise kernels (default: all cores).")
  var threads: Int?

  /// The worker threads in total.
  var count: Int { max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount) }

  func validate() throws { try FlagChecks.atLeast(1, threads, "--threads") }

  func apply() { Parallel.threads = count }
}
