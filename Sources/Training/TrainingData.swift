import DataSets
import Evaluation
import Foundation
import Recipes
import TextFiles
import Tokenization

/// One training example: a query with its positive and any number of hard negatives, or a
/// graded pair.
public enum TrainingExample: Sendable, Equatable {
  case triplet(query: String, positive: String, negatives: [String])
  case pair(String, String, score: Float)
  /// An example of an hdf5 data set: corpus rows of `DataSets.files[file]`, and the teacher's
  /// scores of [positive, negatives…] when distilling (NaN = none).
  case indexed(file: Int, query: Int, positive: Int, negatives: [Int], teacher: [Float]?)
  /// A query with several positives, or with teacher scores from its file (`QueryGroup`).
  case group(QueryGroup)

  /// Every text of the example (for keeping duplicates out of a batch); texts of hdf5 data sets
  /// by their file and corpus row.
  public var texts: [String] {
    switch self {
    case .triplet(let q, let p, let n): [q, p] + n
    case .pair(let a, let b, _): [a, b]
    case .indexed(let f, let q, let p, let n, _): ([q, p] + n).map { TrainingExample.key(file: f, row: $0) }
    case .group(let g): [g.query] + g.positives + g.negatives
    }
  }

  /// The identity of corpus row `row` of data set `file` (no text starts with U+0001).
  static func key(file: Int, row: Int) -> String { "\u{1}\(file)#\(row)" }
}

/// The hdf5 data sets a run reads, each opened once; examples refer to them by index.
public final class DataSetFiles: @unchecked Sendable {
  public private(set) var files: [DataSetFile] = []
  /// A bi-encoder teacher's embeddings of the files' texts, by file index (embedding distillation).
  public internal(set) var teacherEmbeddings: [Int: DataSetFile.TeacherEmbeddings] = [:]

  public init() {}

  func index(of path: String) throws -> Int {
    if let i = files.firstIndex(where: { $0.path == path }) { return i }
    files.append(try DataSetFile(path: path))
    return files.count - 1
  }

  /// Every data set must have been tokenized with `tokenizer`.
  public func check(tokenizer: Tokenizer) throws {
    for f in files where f.tokenizer != tokenizer.fingerprint {
      _ = try DataSetFile(path: f.path, tokenizer: tokenizer)  // throws the error naming both
    }
  }
}

public enum TrainingData {
  /// The examples of a stage's data sources, in file order.
  public static func load(_ sources: [Recipe.DataSource], dataSets: DataSetFiles = DataSetFiles()) throws -> [TrainingExample] {
    try loadSources(sources, dataSets: dataSets).flatMap { $0 }
  }

  /// The examples of each data source, in file order. hdf5 sources are opened into `dataSets`;
  /// with `teacher`, their examples carry the teacher's scores.
  public static func loadSources(
    _ sources: [Recipe.DataSource], dataSets: DataSetFiles = DataSetFiles(), teacher: Bool = false
  ) throws -> [[TrainingExample]] {
    var report = LoadReport()
    return try loadSources(sources, dataSets: dataSets, teacher: teacher, report: &report)
  }

  /// `loadSources`, adding to `report` what table-like sources left out (skipped bad rows,
  /// rows a `where` filtered out, hard negatives equal to a positive). A source's `limit` keeps
  /// its first examples.
  public static func loadSources(
    _ sources: [Recipe.DataSource], dataSets: DataSetFiles = DataSetFiles(), teacher: Bool = false, report: inout LoadReport
  ) throws -> [[TrainingExample]] {
    try sources.map { source in
      var examples: [TrainingExample] = []
      for path in source.paths {
        if let limit = source.limit, examples.count >= limit { break }
        let before = examples.count
        switch source.format {
        case .jsonl, .json, .csv, .tsv, .parquet, .flagEmbedding, .tevatron:
          examples += try TableExamples.read(path: path, source: source, teacher: teacher, report: &report)
        case .nliTSV:
          examples += try NLITriplets.read(path: path).map { .triplet(query: $0.query, positive: $0.positive, negatives: [$0.negative]) }
        case .stsTSV:
          examples += try STSPairs.read(path: path).map { .pair($0.first, $0.second, score: $0.score) }
        case .pairsTSV:
          let (a, b) = (source.columns[0], source.columns[1])
          var rows = try TextLines.readTSV(path: path, required: [a, b] + (source.minScore == nil ? [] : ["score"]))
          if let minScore = source.minScore {
            rows = try rows.filter { row in
              guard let s = Double(row["score"]!) else {
                throw TrainingError.badData(path: path, line: row.line, detail: "score '\(row["score"]!)' is not a number")
              }
              return s >= minScore
            }
          }
          examples += rows.map { .triplet(query: $0[a]!, positive: $0[b]!, negatives: []) }
        case .hdf5:
          examples += try indexed(path: path, negatives: source.negatives, teacher: teacher, dataSets: dataSets)
        }
        if examples.count == before { throw TrainingError.emptyData(path: path) }
      }
      if let limit = source.limit { examples = Array(examples.prefix(limit)) }
      return examples
    }
  }

  /// The examples of text sources as (query, positive, negatives) triplets, for a data set (a
  /// query with several positives gives one triplet per positive, each with all its negatives;
  /// teacher scores in the files are not kept: `trainer score` makes a data set's); graded pairs
  /// are refused, naming their files.
  public static func triplets(_ sources: [Recipe.DataSource]) throws -> [TextTriplet] {
    var report = LoadReport()
    return try triplets(sources, report: &report)
  }

  /// `triplets`, adding to `report` what the sources left out.
  public static func triplets(_ sources: [Recipe.DataSource], report: inout LoadReport) throws -> [TextTriplet] {
    try sources.flatMap { source in
      try loadSources([source], report: &report)[0].flatMap { e -> [TextTriplet] in
        switch e {
        case .triplet(let q, let p, let n): return [TextTriplet(query: q, positive: p, negatives: n)]
        case .group(let g): return g.positives.map { TextTriplet(query: g.query, positive: $0, negatives: g.negatives) }
        default: throw TrainingError.notTriplets(paths: source.paths)
        }
      }
    }
  }

  /// The examples of an hdf5 data set with the negatives asked for; with `teacher`, the file's
  /// teacher scores, which must be of those negatives.
  static func indexed(path: String, negatives: Recipe.NegativeSource, teacher: Bool, dataSets: DataSetFiles) throws -> [TrainingExample] {
    let file = try dataSets.index(of: path)
    let d = dataSets.files[file]
    let mined = try d.mined()
    let useMined: Bool
    switch negatives {
    case .auto: useMined = mined != nil
    case .mined:
      guard mined != nil else { throw DataSetError.notADataSet(path: path, detail: "no mined negatives (run trainer mine), but the recipe asks for them") }
      useMined = true
    case .data: useMined = false
    }
    var scores: DataSetFile.TeacherScores?
    if teacher {
      guard let t = try d.teacherScores() else {
        throw DataSetError.notADataSet(path: path, detail: "no teacher scores (run trainer score), but the stage distills")
      }
      let used: DataSetLayout.Negatives = useMined ? .mined : .data
      guard t.candidates == used else {
        throw DataSetError.notADataSet(
          path: path, detail: "its teacher scored the \(t.candidates.rawValue) negatives, the stage trains with the \(used.rawValue) ones")
      }
      scores = t
    }
    return (0..<d.exampleCount).map { e in
      .indexed(
        file: file, query: Int(d.query[e]), positive: Int(d.positive[e]), negatives: useMined ? mined!.of(e) : d.negatives(of: e),
        teacher: scores.map { Array($0.scores[(e * $0.width)..<((e + 1) * $0.width)]) })
    }
  }

  /// JSON lines with the fixed keys: {"query", "positive", "negative"? and/or "negatives": [...]}
  /// or {"sentence1", "sentence2", "score"}, per line.
  public static func readJSONL(path: String) throws -> [TrainingExample] {
    var report = LoadReport()
    return try TableExamples.read(path: path, source: .init(format: .jsonl, paths: [path]), teacher: false, report: &report)
  }
}
