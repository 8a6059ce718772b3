import Foundation

/// The YAML a model card's front matter is written in: scalars as JSON strings (valid YAML,
/// whatever they hold), lists and maps in block style; and a small reader of the front matter
/// of a base model's card (top-level scalars and lists of scalars).
enum ModelCardYAML {
  /// A YAML scalar: a JSON string literal.
  static func quoted(_ s: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
    let text = String(decoding: data, as: UTF8.self)
    return String(text.dropFirst().dropLast())
  }

  /// A number as YAML: its shortest round-trip decimal; null when it is not finite.
  static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

  /// The top-level keys of a card's front matter (between the first two `---` lines) with their
  /// scalar value or list of scalars, quotes removed.
  static func frontMatter(_ card: String) -> [String: [String]] {
    let lines = card.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard lines.first?.trimmingCharacters(in: .whitespaces) == "---" else { return [:] }
    var out: [String: [String]] = [:]
    var key: String?
    for line in lines.dropFirst() {
      if line.trimmingCharacters(in: .whitespaces) == "---" { break }
      if line.hasPrefix("- "), let k = key {
        out[k, default: []].append(unquote(String(line.dropFirst(2))))
      } else if !line.hasPrefix(" "), let colon = line.firstIndex(of: ":") {
        let k = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let v = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        key = k
        if !v.isEmpty { out[k] = [unquote(v)] }
      } else if !line.hasPrefix(" ") {
        key = nil
      }
    }
    return out
  }

  static func unquote(_ s: String) -> String {
    let t = s.trimmingCharacters(in: .whitespaces)
    if t.count >= 2, let f = t.first, f == t.last, f == "\"" || f == "'" { return String(t.dropFirst().dropLast()) }
    return t
  }
}
