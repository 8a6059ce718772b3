import DataSets
import Foundation
import HDF5Files
import TestSupport
import Testing
import Tokenization

/// Data set files whose datasets disagree with each other or with the file's size are refused
/// when opened, naming the file and the dataset.
@Suite struct DamagedDataSetTests {
  /// A data set of 5 texts (ids 5..<26: 4, 4, 4, 4 and 5 of them) and 2 examples, written by
  /// hand; `texts` replaces its corpus texts.
  static func write(texts: [String] = ["a", "b", "c", "d", "e"]) throws -> String {
    let ids = (5..<26).map { Int32($0) }
    let path = Fixtures.temporaryDirectory().appendingPathComponent("d.h5").path
    let f = try HDF5File.create(path: path)
    try f.setAttribute("format", DataSetLayout.format)
    try f.setAttribute("version", DataSetLayout.version)
    try f.setAttribute("tokenizer", "0123456789abcdef")
    try f.write(DataSetLayout.texts, strings: texts)
    try f.write(DataSetLayout.ids, shape: [ids.count], values: ids, chunkRows: 16_384)
    try f.write(DataSetLayout.offsets, shape: [6], values: [Int64(0), 4, 8, 12, 16, 21], chunkRows: 4)
    try f.write(DataSetLayout.query, shape: [2], values: [Int64(0), 1])
    try f.write(DataSetLayout.positive, shape: [2], values: [Int64(1), 2])
    try f.write(DataSetLayout.negatives, shape: [2, 1], values: [Int64(2), -1])
    try f.flush()
    return path
  }

  func error(_ body: () throws -> Void) -> String {
    do {
      try body()
      return "(no error)"
    } catch { return "\(error)" }
  }

  // D8: `trainer data inspect` indexed past corpus/texts when it was shorter than the corpus
  @Test func corpusTextsShorterThanTheCorpusAreRefused() throws {
    let path = try Self.write(texts: ["a", "b", "c"])
    let e = error { _ = try DataSetFile(path: path) }
    #expect(e == "\(path): 'corpus/texts': 3 texts for a corpus of 5", "\(e)")
    #expect(try DataSetFile(path: try Self.write()).texts() == ["a", "b", "c", "d", "e"])
  }

  // D7: a corpus row claiming 10^12 ids (offsets and ids declared to match) once asked for 4 TB
  // when the row was read
  @Test func idsDeclaredBeyondTheFileAreRefusedOnOpening() throws {
    let path = try Self.write()
    let huge: Int64 = 1_000_000_000_000
    try FilePatch.replace(path, FilePatch.dims([21]), FilePatch.dims([UInt64(huge)]))  // the ids dataset's dataspace
    let offsets = [Int64(0), 4, 8, 12, 16, 21].flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    let claimed = [Int64(0), 4, 8, 12, 16, huge].flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    try FilePatch.replace(path, offsets, claimed)
    let e = error { _ = try DataSetFile(path: path) }
    #expect(e.contains(path) && e.contains("'corpus/ids'") && e.contains("more than the file"), "\(e)")
  }

  // D7: corpus/offsets of 10^10 rows were read (80 GB) before their count was checked (chunked,
  // so libhdf5 reads the missing chunks as zeros; 10^15 here, so that the build before the fix
  // fails at once instead of filling memory)
  @Test func offsetsDeclaredBeyondTheFileAreRefusedBeforeReading() throws {
    let path = try Self.write()
    try FilePatch.replace(path, FilePatch.dims([6]), FilePatch.dims([1_000_000_000_000_000]))
    let e = error { _ = try DataSetFile(path: path) }
    #expect(e.contains(path) && e.contains("'corpus/offsets'"), "\(e)")
  }
}

@Suite(.needsRealModel) struct DataSetBuildFailureTests {
  // D18: a failed create named the temporary file and no reason
  @Test func aBuildIntoAMissingDirectoryNamesTheOutputAndTheReason() throws {
    let output = Fixtures.temporaryDirectory().path + "/missing/d.h5"
    let tokenizer = try DataSetTests.tokenizer()
    let e = #expect(throws: (any Error).self) {
      _ = try DataSetBuilder.build(examples: DataSetTests.examples, tokenizer: tokenizer, sources: ["x"], output: output)
    }
    #expect("\(e!)".contains(output) && !"\(e!)".contains(".partial") && "\(e!)".contains("does not exist"), "\(e!)")
  }
}
