import Autograd
import Foundation
import SafeTensors
import TestSupport
import Testing
import TextEncoder
@testable import Training

/// `optimizer.safetensors` keeps an embedding table's moments only for rows that have them
/// ("packed"), restores them exactly, and still reads the whole buffers earlier versions wrote.
@Suite struct OptimizerCheckpointTests {
  @Test(.needsRealModel) func momentsArePackedAndRestoredBitForBit() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let tiny = try tinyModel(in: dir)
    let model = try SentenceEncoder(directory: tiny.path)
    let store = model.encoder.store
    let optimizer = AdamW(store: store, settings: .init())
    optimizer.step = 7
    let table = try #require(store.view(WeightNames.wordEmbeddings))
    #expect(ParameterStore.isTable(table))
    for view in store.views {
      for j in 0..<view.count {
        let trained = !ParameterStore.isTable(view) || [5, 70_000, table.shape[0] - 1].contains(j / view.shape[1])
        optimizer.m.data[view.offset + j] = trained ? Float(j % 13) - 6.25 : 0
        optimizer.v.data[view.offset + j] = trained ? Float(j % 5) * 0.125 : 0
      }
    }
    let state = TrainerState(
      stage: 0, stageName: "s", stageStep: 7, stageSteps: 9, globalStep: 7, epoch: 0, batchInEpoch: 7, optimizerStep: 7,
      learningRate: 1e-5, seed: 0, recipeHash: "x", evaluations: [], lastLoss: 1)
    let checkpoint = dir.appendingPathComponent("step-0000007")
    try Checkpoint.write(
      to: checkpoint, encoder: model.encoder, layout: .init(),
      tokenizer: try .sentencePiece(try Data(contentsOf: tiny.appendingPathComponent("sentencepiece.bpe.model"))), optimizer: optimizer,
      state: state, modelCard: "")
    let file = try SafeTensorsFile(path: checkpoint.appendingPathComponent("optimizer.safetensors").path)
    #expect(try file.int64s("rows.\(WeightNames.wordEmbeddings)") == [5, 70_000, Int64(table.shape[0] - 1)])
    let dense = store.views.filter { !ParameterStore.isTable($0) }.reduce(0) { $0 + $1.count }
    #expect(file.entries["exp_avg"]?.shape == [dense + 3 * table.shape[1]])

    let restored = AdamW(store: store, settings: .init())
    try Checkpoint.loadOptimizer(restored, from: checkpoint)
    #expect(restored.step == 7)
    #expect(Array(UnsafeBufferPointer(start: restored.m.data, count: store.count)) == Array(UnsafeBufferPointer(start: optimizer.m.data, count: store.count)))
    #expect(Array(UnsafeBufferPointer(start: restored.v.data, count: store.count)) == Array(UnsafeBufferPointer(start: optimizer.v.data, count: store.count)))

    // the whole buffers of earlier versions
    var old = SafeTensorsWriter(metadata: ["step": "7", "parameters": "\(store.count)"])
    old.add("exp_avg", shape: [store.count], floats: UnsafeBufferPointer(start: optimizer.m.data, count: store.count))
    old.add("exp_avg_sq", shape: [store.count], floats: UnsafeBufferPointer(start: optimizer.v.data, count: store.count))
    let oldDir = dir.appendingPathComponent("old")
    try FileManager.default.createDirectory(at: oldDir, withIntermediateDirectories: true)
    try old.write(to: oldDir.appendingPathComponent("optimizer.safetensors").path)
    let fromOld = AdamW(store: store, settings: .init())
    try Checkpoint.loadOptimizer(fromOld, from: oldDir)
    #expect(Array(UnsafeBufferPointer(start: fromOld.v.data, count: store.count)) == Array(UnsafeBufferPointer(start: optimizer.v.data, count: store.count)))

    // a packed file of another model is refused, naming the tensor
    let other = try SentenceEncoder(directory: try tinyModel(in: dir.appendingPathComponent("w"), width: 32, heads: 4).path)
    #expect { try Checkpoint.loadOptimizer(AdamW(store: other.encoder.store, settings: .init()), from: checkpoint) } throws: {
      "\($0)".contains("exp_avg") && "\($0)".contains("packed moments")
    }
  }
}
