import Foundation
import TestSupport
import Tokenization

/// The parity fixtures of tools/reference/tokenizer_fixtures.py (Tests/Fixtures/tokenizers):
/// its test lines and pairs, and the ids Hugging Face tokenizers gives for them.
enum TokenizerJSONParity {
  static let directory = Fixtures.path("tokenizers")

  /// The lines of a fixture file, split at "\n" bytes only (the texts hold CR, U+2028 and
  /// other characters Swift would also split at).
  static func lines(_ name: String) throws -> [String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
    var parts = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    if parts.last == "" { parts.removeLast() }
    return parts
  }

  static func ids(_ s: Substring) -> [Int32] { s.split(separator: " ").compactMap { Int32($0) } }

  /// Differences between `encode` (with the post-processor's specials) and the expected ids of
  /// each line of lines.txt, the first `limit` described by text, ours and theirs; and how many
  /// lines were compared.
  static func compareLines(name: String, _ encode: (String) -> [Int32], limit: Int = 5) throws -> (differences: [String], compared: Int) {
    let texts = try lines("lines.txt")
    let expected = try lines(name + ".ids")
    var out: [String] = []
    for (k, line) in expected.enumerated() where k < texts.count {
      let ours = encode(texts[k])
      let theirs = ids(line[...])
      if ours != theirs && out.count < limit {
        out.append("line \(k + 1) \(texts[k].debugDescription): ours \(ours), theirs \(theirs)")
      } else if ours != theirs {
        out.append("")
      }
    }
    return (out, min(expected.count, texts.count))
  }

  /// As `compareLines` for the pairs of pairs.txt: ids and type ids.
  static func comparePairs(name: String, _ encode: (String, String) -> (ids: [Int32], typeIds: [Int32]), limit: Int = 5) throws -> (
    differences: [String], compared: Int
  ) {
    let pairs = try lines("pairs.txt")
    let expected = try lines(name + ".pairs")
    var out: [String] = []
    for (k, line) in expected.enumerated() where k < pairs.count {
      let texts = pairs[k].split(separator: "\t", omittingEmptySubsequences: false)
      let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard texts.count == 2, cols.count == 2 else {
        out.append("pair \(k + 1): malformed fixture line")
        continue
      }
      let ours = encode(String(texts[0]), String(texts[1]))
      let theirs = (ids(cols[0]), ids(cols[1]))
      if ours.ids != theirs.0 || ours.typeIds != theirs.1 {
        out.append(out.count < limit ? "pair \(k + 1) \(pairs[k].debugDescription): ours \(ours), theirs \(theirs)" : "")
      }
    }
    return (out, min(expected.count, pairs.count))
  }
}
