import ArgumentParser
import Testing

@testable import TrainerCLI

/// `trainer ARGS…` parsed (and validated) as `trainer` parses it, as the subcommand it names.
func parse<C: ParsableCommand>(_ arguments: [String], as: C.Type) throws -> C {
  let command = try TrainerCommand.parseAsRoot(arguments)
  return try #require(command as? C, "parsed as \(type(of: command))")
}

/// The message `trainer ARGS…` is refused with ("accepted" when it parses).
func refusal(_ arguments: [String]) -> String {
  do {
    _ = try TrainerCommand.parseAsRoot(arguments)
    return "accepted"
  } catch {
    return TrainerCommand.message(for: error)
  }
}
