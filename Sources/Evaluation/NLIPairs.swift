import Foundation
import TextFiles

/// A labelled premise–hypothesis pair (KorNLI, KLUE-NLI).
public struct NLIPair: Sendable, Equatable {
  public var premise: String
  public var hypothesis: String
  /// entailment, neutral or contradiction (as the file spells it).
  public var label: String
  public init(premise: String, hypothesis: String, label: String) {
    self.premise = premise
    self.hypothesis = hypothesis
    self.label = label
  }
}

public enum NLIPairs {
  /// The pairs of a KorNLI / XNLI TSV (a header naming sentence1, sentence2 and gold_label), in
  /// file order.
  public static func readTSV(path: String) throws -> [NLIPair] {
    let rows = try TextLines.readTSV(path: path, required: ["sentence1", "sentence2", "gold_label"])
    return rows.map { NLIPair(premise: $0["sentence1"]!, hypothesis: $0["sentence2"]!, label: $0["gold_label"]!) }
  }

  /// Reads an NLI file: a TSV with a header naming sentence1, sentence2 and gold_label (KorNLI /
  /// XNLI), or, for a `.json` file, one JSON array of objects with `premise`, `hypothesis` and
  /// `gold_label` (KLUE-NLI). An error names the file and the line or array index at fault.
  public static func read(path: String) throws -> [NLIPair] {
    guard path.lowercased().hasSuffix(".json") else { return try readTSV(path: path) }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw EvaluationError.cannotRead(path: path, detail: "cannot read the file (\(error.localizedDescription))")
    }
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: data)
    } catch {
      throw EvaluationError.cannotRead(path: path, detail: "not valid JSON (\(error.localizedDescription))")
    }
    guard let items = parsed as? [Any] else {
      throw EvaluationError.cannotRead(path: path, detail: "expected one JSON array of objects with premise, hypothesis and gold_label")
    }
    return try items.enumerated().map { index, item in
      guard let object = item as? [String: Any] else {
        throw EvaluationError.cannotRead(path: path, detail: "item \(index): expected an object")
      }
      func text(_ key: String) throws -> String {
        guard let value = object[key] as? String else {
          throw EvaluationError.cannotRead(path: path, detail: "item \(index): expected a string '\(key)'")
        }
        return value
      }
      return NLIPair(premise: try text("premise"), hypothesis: try text("hypothesis"), label: try text("gold_label"))
    }
  }
}
