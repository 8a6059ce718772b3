import DataSets
import Foundation
import HDF5Files
import Recipes
import TestSupport
import Testing
import TextEncoder
import Tokenization
import Training

/// Token ids a model has no embedding for are found when a run opens the data set, in any row.
@Suite(.needsRealModel) struct DataSetTokenIdTests {
  // D9: an out-of-vocabulary id was found only when its row was used (and in an unused row, never)
  @Test func anOutOfVocabularyIdInAnUnusedRowStopsTheRunWhenItOpensTheDataSet() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let tokenizer = try Tokenizer.load(directory: model)
    let h5 = dir.appendingPathComponent("d.h5").path
    _ = try DataSetBuilder.build(
      examples: [TextTriplet(query: "고양이가 잔다", positive: "고양이가 자고 있다"), TextTriplet(query: "개가 뛴다", positive: "강아지가 달린다")],
      corpusTexts: ["아무도 쓰지 않는 문장"], tokenizer: tokenizer, sources: ["test"], output: h5)
    // the last corpus row (text 4, used by no example) gets an id past the vocabulary
    do {
      let f = try HDF5File.open(path: h5, writable: true)
      var ids: [Int32] = try f.read(DataSetLayout.ids)
      ids[ids.count - 2] = 999_999
      try f.write(DataSetLayout.ids, shape: [ids.count], values: ids, chunkRows: 16_384)
      try f.flush()
    }
    let recipe = dir.appendingPathComponent("r.recipe").path
    try """
      model: {base: \(model.path), max_length: 16}
      seed: 1
      output: \(dir.path)/run
      stages:
        - name: s
          data: [{format: hdf5, path: \(h5)}]
          loss: {kind: infonce}
          batch_size: 2
          steps: 1
          optimizer: {lr: 1.0e-4}
      """.write(toFile: recipe, atomically: true, encoding: .utf8)
    let e = #expect(throws: DataSetError.self) { try TrainingRun(recipe: try Recipe.load(path: recipe), observer: { _ in }).run() }
    #expect("\(e!)".contains(h5) && "\(e!)".contains("'corpus/ids'") && "\(e!)".contains("row 4") && "\(e!)".contains("999999"), "\(e!)")
  }
}
