import Autograd
import Foundation
import HDF5Files
import Tokenization

/// Makes a data set file from examples given as texts: every distinct text goes into the corpus
/// once and is tokenized once; examples refer to corpus rows.
public enum DataSetBuilder {
  public struct Summary: Sendable, Equatable {
    public var examples: Int
    public var texts: Int
    public var tokens: Int
    public var longestText: Int
    public var negatives: Int
    /// For each checked prefix, how many texts tokenize differently after it than on their own
    /// (training composes `prefix ids + text ids`, so these texts train on a slightly different
    /// split than `trainer embed` would give them).
    public var prefixMismatches: [String: Int]
  }

  /// Writes `output` (through a temporary file renamed into place, so a failure leaves no
  /// partial file and keeps any file that was there). `corpusTexts` are added to the corpus
  /// without being examples (texts to mine negatives among). `sources` names the inputs.
  public static func build(
    examples: [TextTriplet], corpusTexts: [String] = [], tokenizer: Tokenizer, sources: [String],
    checkPrefixes: [String] = [], output: String
  ) throws -> Summary {
    guard !examples.isEmpty else { throw DataSetError.empty(detail: "no examples in \(sources.joined(separator: ", "))") }
    var index: [String: Int64] = [:]
    var texts: [String] = []
    func add(_ t: String) -> Int64 {
      if let i = index[t] { return i }
      let i = Int64(texts.count)
      index[t] = i
      texts.append(t)
      return i
    }
    let query = examples.map { add($0.query) }
    let positive = examples.map { add($0.positive) }
    let width = examples.map(\.negatives.count).max() ?? 0
    var negatives = [Int64](repeating: -1, count: examples.count * width)
    for (r, e) in examples.enumerated() {
      for (c, n) in e.negatives.enumerated() { negatives[r * width + c] = add(n) }
    }
    for t in corpusTexts { _ = add(t) }

    let pieces = tokenize(texts, tokenizer)
    var offsets = [Int64](repeating: 0, count: texts.count + 1)
    for i in 0..<texts.count { offsets[i + 1] = offsets[i] + Int64(pieces[i].count) }
    var mismatches: [String: Int] = [:]
    for p in checkPrefixes {
      let head = tokenizer.pieceIds(p)
      let joined = tokenize(texts.map { p + $0 }, tokenizer)
      mismatches[p] = zip(joined, pieces).reduce(0) { $0 + ($1.0 == head + $1.1 ? 0 : 1) }
    }

    let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
    let temporary = "\(directory)/.\(URL(fileURLWithPath: output).lastPathComponent).partial-\(getpid())"
    do {
      let file: HDF5File
      do { file = try HDF5File.create(path: temporary) } catch HDF5Error.cannotCreate(_, let reason) {
        throw HDF5Error.cannotCreate(path: output, reason: reason)  // the file asked for, not the temporary one
      }
      try file.setAttribute("format", DataSetLayout.format)
      try file.setAttribute("version", DataSetLayout.version)
      try file.setAttribute("tokenizer", tokenizer.fingerprint)
      try file.setAttribute("tokenizer_path", tokenizer.path)
      try file.setAttribute("sources", sources.joined(separator: "\n"))
      try file.write(DataSetLayout.texts, strings: texts)
      try file.write(DataSetLayout.ids, shape: [Int(offsets.last!)], values: pieces.flatMap { $0 }, chunkRows: DataSetLayout.idChunk)
      try file.write(DataSetLayout.offsets, shape: [offsets.count], values: offsets)
      try file.write(DataSetLayout.query, shape: [query.count], values: query)
      try file.write(DataSetLayout.positive, shape: [positive.count], values: positive)
      try file.write(DataSetLayout.negatives, shape: [examples.count, width], values: negatives)
      try file.flush()
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw error
    }
    guard rename(temporary, output) == 0 else {
      try? FileManager.default.removeItem(atPath: temporary)
      throw DataSetError.notADataSet(path: output, detail: "cannot move the finished file into place")
    }
    return Summary(
      examples: examples.count, texts: texts.count, tokens: Int(offsets.last!), longestText: pieces.map(\.count).max() ?? 0,
      negatives: negatives.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }, prefixMismatches: mismatches)
  }

  /// Piece ids of every text, on every core.
  static func tokenize(_ texts: [String], _ tokenizer: Tokenizer) -> [[Int32]] {
    let out = UnsafeMutableBufferPointer<[Int32]>.allocate(capacity: texts.count)
    out.initialize(repeating: [])
    defer {
      _ = out.deinitialize()
      out.deallocate()
    }
    parallelFor(texts.count, minChunk: 256) { range in
      for i in range { out[i] = tokenizer.pieceIds(texts[i]) }
    }
    return Array(out)
  }
}
