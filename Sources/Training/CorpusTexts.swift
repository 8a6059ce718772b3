import Foundation
import Recipes
import TextFiles

/// The texts of corpus files (what `trainer trim` keeps the tokens of), each with its number of
/// occurrences. A file is given as `FORMAT:PATH` with any format a recipe's data source reads
/// (the texts of its examples, as training reads them) or `lines:PATH`, or as a plain path read by
/// its extension: `.tsv` the `sentence1` and `sentence2` columns of every row (KorNLI, KorSTS),
/// `.jsonl` and `.json` every string value (not the keys) of every line or of the file, anything
/// else one text per line. Empty texts are left out.
public enum CorpusTexts {
  /// Adds the texts of `spec` to `texts`.
  public static func read(_ spec: String, into texts: inout [String: Int]) throws {
    func add(_ s: String) { if !s.isEmpty { texts[s, default: 0] += 1 } }
    if !FileManager.default.fileExists(atPath: spec), let colon = spec.firstIndex(of: ":") {
      let format = String(spec[..<colon]), path = String(spec[spec.index(after: colon)...])
      if format == "lines" {
        for p in try Recipe.expand(path: path, spec: spec) { try TextLines.read(path: p).forEach(add) }
        return
      }
      if Recipe.DataFormat(rawValue: format) != nil {
        for example in try TrainingData.load([try Recipe.dataSpec(spec)]) { example.texts.forEach(add) }
        return
      }
    }
    switch URL(fileURLWithPath: spec).pathExtension.lowercased() {
    case "tsv":
      for row in try TextLines.readTSV(path: spec, required: ["sentence1", "sentence2"]) {
        add(row["sentence1"]!)
        add(row["sentence2"]!)
      }
    case "jsonl":
      var rows = try JSONLinesRows(path: spec)
      for row in try rows.all() { for cell in try row.get().cells { strings(cell.value, add) } }
    case "json":
      var rows = try JSONArrayRows(path: spec)
      for row in try rows.all() { for cell in try row.get().cells { strings(cell.value, add) } }
    default:
      try TextLines.read(path: spec).forEach(add)
    }
  }

  /// Calls `add` with every string inside `value` (array items and object values, not keys).
  static func strings(_ value: JSONValue, _ add: (String) -> Void) {
    switch value {
    case .string(let s): add(s)
    case .array(let items): for item in items { strings(item, add) }
    case .object(let members): for m in members { strings(m.value, add) }
    case .null, .bool, .number: break
    }
  }
}
