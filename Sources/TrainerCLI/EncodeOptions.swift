import ArgumentParser

/// How a command that embeds queries and passages encodes them: the recipe's `max_length`,
/// `query_prefix` and `passage_prefix`.
struct EncodeOptions: ParsableArguments {
  @Option(help: "Tokens per text at most (default: the model's max_seq_length).")
  var maxLength: Int?
  @Option(help: "Text put before queries, e.g. \"query: \".")
  var queryPrefix: String = ""
  @Option(help: "Text put before passages (corpus texts), e.g. \"passage: \".")
  var passagePrefix: String = ""

  func validate() throws {
    if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be at least 2") }
  }
}
