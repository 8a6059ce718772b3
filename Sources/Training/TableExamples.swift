import Recipes
import TextFiles

/// Examples of table-like files (JSON lines, a JSON array, CSV, TSV, FlagEmbedding and tevatron
/// JSON lines): each format gives rows through a `RowReader`, and one mapping of roles to
/// columns turns every row into an example, so the same data in any of them gives the same
/// examples. A row that cannot give one is a `BadRow`: thrown, or skipped and counted in the
/// report (`on_bad_row: skip`).
enum TableExamples {
  /// The reader of `path` in `format` (the seam for more formats, such as Parquet).
  static func reader(_ format: Recipe.DataFormat, path: String) throws -> any RowReader {
    switch format {
    case .json: try JSONArrayRows(path: path)
    case .csv: try DelimitedRows(path: path, delimiter: UInt8(ascii: ","))
    case .tsv: try DelimitedRows(path: path, delimiter: UInt8(ascii: "\t"))
    case .parquet: try ParquetRows(path: path)
    default: try JSONLinesRows(path: path)
    }
  }

  /// How rows become examples.
  enum Layout {
    case mapped(Recipe.ColumnMapping)
    /// jsonl's fixed keys: {query, positive, negative?, negatives?} or {sentence1, sentence2, score}, per row.
    case fixedKeys
    case flagEmbedding
    case tevatron
  }

  /// The examples of one file of `source`. `teacher`: a flag_embedding row's pos_scores and
  /// neg_scores are kept (every row must have them).
  static func read(path: String, source: Recipe.DataSource, teacher: Bool, report: inout LoadReport) throws -> [TrainingExample] {
    var reader = try reader(source.format, path: path)
    var layout: Layout?
    switch source.format {
    case .flagEmbedding: layout = .flagEmbedding
    case .tevatron: layout = .tevatron
    default: layout = source.mapping.map { .mapped($0) }
    }
    if let declared = reader.columns {
      let named: [String] = switch layout {
      case .mapped(let m)?: [m.query] + m.positives + m.negatives + [m.score, m.prompt].compactMap { $0 }
      default: []
      }
      for name in named + source.keep.keys.sorted() where !declared.contains(name) {
        throw TextFilesError.cannotRead(path: path, reason: "line 1: the header has no column '\(name)' (columns: \(declared.joined(separator: ", ")))")
      }
    }
    var examples: [TrainingExample] = []
    var seen = Set<String>()  // the columns some row has, to catch a mapping naming none of them
    var firstColumns: [String]?
    while let chunk = try reader.nextChunk() {
      for result in chunk {
        do {
          let row = try result.get()
          if firstColumns == nil {
            firstColumns = row.cells.map(\.column)
            if layout == nil { layout = try positional(row, path: path, jsonl: source.format == .jsonl) }
          }
          for c in row.cells { seen.insert(c.column) }
          guard try keeps(row, source.keep, path: path) else {
            report.filtered += 1
            continue
          }
          guard let layout else { continue }
          examples.append(try example(row, layout: layout, source: source, teacher: teacher, path: path, report: &report))
        } catch let bad as BadRow {
          guard source.onBadRow == .skip else { throw bad }
          report.skip(bad)
        }
      }
    }
    if let firstColumns {
      let named: [String] = switch layout {
      case .mapped(let m)?: [m.query] + m.positives + m.negatives + [m.score, m.prompt].compactMap { $0 }
      default: []
      }
      for name in named + source.keep.keys.sorted() where !seen.contains(name) {
        throw TextFilesError.cannotRead(
          path: path, reason: "no row has column '\(name)' (columns: \(firstColumns.joined(separator: ", ")))")
      }
    }
    return examples
  }

  /// The layout of a file without `columns`: jsonl whose first row has the fixed keys keeps
  /// them; otherwise by position as sentence-transformers takes a dataset's columns: a column
  /// named `score` or `label` is a graded pair's score, the others in order are the query, the
  /// positive and the negatives.
  static func positional(_ row: SourceRow, path: String, jsonl: Bool) throws -> Layout {
    let names = row.cells.map(\.column)
    if jsonl, (names.contains("query") && names.contains("positive"))
      || (names.contains("sentence1") && names.contains("sentence2") && names.contains("score"))
    {
      return .fixedKeys
    }
    let score = names.first { $0 == "score" || $0 == "label" }
    let texts = names.filter { $0 != score }
    guard texts.count >= 2 else {
      throw TextFilesError.cannotRead(
        path: path, reason: "\(row.place): by position a row needs a query and a positive column, found \(names.joined(separator: ", "))")
    }
    if let score {
      guard texts.count == 2 else {
        throw TextFilesError.cannotRead(
          path: path, reason: "\(row.place): a '\(score)' column makes graded pairs of two text columns, found \(texts.joined(separator: ", ")); give columns:")
      }
      return .mapped(Recipe.ColumnMapping(query: texts[0], positives: [texts[1]], score: score))
    }
    return .mapped(Recipe.ColumnMapping(query: texts[0], positives: [texts[1]], negatives: Array(texts.dropFirst(2))))
  }

  /// Whether `row` passes the `where` filter.
  static func keeps(_ row: SourceRow, _ keep: [String: String], path: String) throws -> Bool {
    for (column, wanted) in keep {
      guard let v = row[column] else {
        throw BadRow(path: path, place: row.place, column: column, reason: .missingColumn, detail: "the row has no such column (where)")
      }
      let text: String? = switch v {
      case .string(let s): s
      case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
      case .bool(let b): String(b)
      default: nil
      }
      if text != wanted { return false }
    }
    return true
  }
}
