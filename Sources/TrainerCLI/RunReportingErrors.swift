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

/// The line `runReportingErrors` prints for `error` (after "error: ").
func errorMessage(_ error: any Error) -> String {
  "\(error)"
}
