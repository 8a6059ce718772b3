import ArgumentParser
import Autograd
import Communication
import Foundation

/// The ranks of this job: under Open MPI's `mpirun` (detected from its environment) an
/// `MPICommunicator`, otherwise one process. `TRAINER_MPI_TIMEOUT` (seconds, default 600) bounds
/// how long a rank waits in a collective for the others before it stops.
enum Job {
  nonisolated(unsafe) static var communicator: any Communicator = SingleProcess()

  static func start() throws -> any Communicator {
    guard MPICommunicator.launched else { return communicator }
    if communicator.size > 1 { return communicator }
    let timeout = ProcessInfo.processInfo.environment["TRAINER_MPI_TIMEOUT"].flatMap(Double.init) ?? 600
    let mpi = try MPICommunicator(timeout: timeout)
    communicator = mpi
    return mpi
  }

  /// Runs a training job's `body` on its ranks: under mpirun on this process's MPI rank, with
  /// `threads` worker threads; otherwise on `ranks` threads of this process (a `ThreadGroup`),
  /// which share the `threads` worker threads.
  ///
  /// By default 2 ranks when there are 2 or more worker threads: two ranks of one thread each
  /// train about 10 % faster than one rank of two threads on a 2-core machine (no
  /// synchronization inside each op, and the elementwise work runs in parallel as a whole; see
  /// the README). Not more: every rank holds its own copy of the weights and of the optimizer
  /// state.
  static func run(ranks: Int?, threads: Int, _ body: @escaping @Sendable (any Communicator) throws -> Void) throws {
    let ranks = MPICommunicator.launched ? 1 : max(1, ranks ?? min(2, threads))
    Parallel.threads = max(1, threads / ranks)
    if ranks == 1 {
      try body(try start())
      finish()
      return
    }
    _ = try ThreadGroup.run(size: ranks) { group in try body(group) }
  }

  /// Leaves the MPI job cleanly (mpirun treats a rank that exits without it as failed).
  static func finish() {
    (communicator as? MPICommunicator)?.finalize()
  }
}

/// Options shared by commands that compute.
struct ComputeOptions: ParsableArguments {
  @Option(help: "Worker threads for BLAS and the elementwise kernels (default: all cores).")
  var threads: Int?

  /// The worker threads in total.
  var count: Int { max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount) }

  func apply() { Parallel.threads = count }
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
    let comm = Job.communicator
    let rank = comm.size > 1 ? " (rank \(comm.rank) of \(comm.size))" : ""
    FileHandle.standardError.write(Data("error\(rank): \(error)\n".utf8))
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
