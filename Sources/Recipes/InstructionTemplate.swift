/// How a query of an instructed task is written: `{task}` stands for the instruction and
/// `{text}`, once and at the end, for the query, so the part before it serves as a
/// sentence-transformers prompt.
public struct InstructionTemplate: Sendable, Equatable {
  public let text: String

  /// E5-mistral's and multilingual-e5-instruct's format.
  public static let standard = InstructionTemplate(checked: "Instruct: {task}\nQuery: {text}")

  /// nil unless `text` ends with `{text}` and holds it once.
  public init?(_ text: String) {
    guard text.hasSuffix("{text}"), text.components(separatedBy: "{text}").count == 2 else { return nil }
    self.text = text
  }

  private init(checked text: String) { self.text = text }

  /// The text put before a query of the task with this instruction.
  public func prefix(task: String) -> String {
    String(text.dropLast("{text}".count)).replacingOccurrences(of: "{task}", with: task)
  }
}
