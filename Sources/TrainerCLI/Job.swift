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
