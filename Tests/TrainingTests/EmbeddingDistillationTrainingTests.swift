import Autograd
import Communication
import DataSets
import Foundation
import Losses
import Mining
import Recipes
import SafeTensors
import TestSupport
import Testing
import TextEncoder
import Tokenization
@testable import Training

/// Embedding distillation end to end on tiny models: a teacher of another width and another
/// tokenizer (a WordPiece tokenizer.json) embeds a data set's texts once into the file; a step on
/// 2 or 3 ranks, or through GradCache, gives one plain rank's loss and gradients (the encoder's
/// and the projection's); a run stopped and resumed mid-stage ends with the weights of a run
/// that did not stop, its checkpoints hold the projection and the model does not.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct EmbeddingDistillationTrainingTests {
  /// A 24-wide XLM-R whose tokenizer is a WordPiece tokenizer.json (not the student's), at most 32 tokens.
  static func teacher(in dir: URL) throws -> URL {
    let json = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tokenizers/wordpiece-uncased.json")))
    let config = EncoderConfig(
      vocabSize: 30522, hiddenSize: 24, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 48, maxPositionEmbeddings: 66)
    let encoder = Encoder(config: config)
    encoder.initializeRandom(seed: 9, std: 0.2)
    let out = dir.appendingPathComponent("teacher")
    try ModelDirectoryWriter(layout: .init(pooling: .mean, normalize: true, maxSeqLength: 32)).write(
      encoder: encoder, tokenizer: .tokenizerJSON(json), to: out.path)
    return out
  }

  /// 32 KorNLI triplets (one short of a negative) as a data set of the student's tokenizer.
  static func dataSet(in dir: URL, student: URL) throws -> String {
    var triplets = try DataSetTrainingTests.triplets(count: 32)
    triplets[5].negatives.removeLast()
    let h5 = dir.appendingPathComponent("d.h5").path
    _ = try DataSetBuilder.build(examples: triplets, tokenizer: try Tokenizer.load(directory: student), sources: ["t"], output: h5)
    return h5
  }

  @Test func theTeacherEmbedsEveryTextOfTheExamplesOnceWithItsOwnTokenizerAndPrompt() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let h5 = try Self.dataSet(in: dir, student: try tinyModel(in: dir))
    let teacher = try SentenceEncoder(directory: try Self.teacher(in: dir).path)
    let embedder = TeacherEmbedder(teacher: teacher, prompt: "query: ")
    #expect(!embedder.isCurrent(dataPath: h5))
    // a stage reading the file without them is refused, naming the stage, the key and the file
    #expect {
      try DataSetFiles().loadTeacherEmbeddings(of: [h5], stage: "s", teacher: .init(directory: teacher.directory))
    } throws: { "\($0)".contains("stage 's': loss.distill.teacher: \(h5): no teacher embeddings") }
    let s = try embedder.embed(dataPath: h5)
    #expect(try DataSetFiles().loadTeacherEmbeddings(of: [h5], stage: "s", teacher: .init(directory: teacher.directory)) == 24)
    #expect {
      try DataSetFiles().loadTeacherEmbeddings(of: [h5], stage: "s", teacher: .init(directory: "models/other"))
    } throws: { "\($0)".contains("holds the embeddings of \(teacher.directory), not of the teacher models/other") }
    let data = try DataSetFile(path: h5)
    let rows = try data.exampleRows()
    #expect(s.texts == rows.count && s.dims == 24 && rows.count > 100)
    let table = try #require(try data.teacherEmbeddings())
    #expect(table.attributes["teacher"] == teacher.directory && table.attributes["prompt"] == "query: ")
    // each the teacher's own embedding of the text, prompt included
    let texts = try data.texts()
    let direct = try teacher.embed(rows.prefix(5).map { texts[$0] }, prefix: "query: ")
    for (k, r) in rows.prefix(5).enumerated() {
      let d = difference(try #require(table.of(r)), Array(direct[(k * 24)..<((k + 1) * 24)]))
      #expect(d.maxAbs <= 1e-5, "row \(r): \(d)")
    }
    #expect(embedder.isCurrent(dataPath: h5))
    #expect(!TeacherEmbedder(teacher: teacher, prompt: "passage: ").isCurrent(dataPath: h5))
    // a cross-encoder is no embedding teacher; the error names it
    let cross = try SentenceEncoder(directory: teacher.directory, crossEncoderHeadSeed: 1)
    #expect(throws: DataSetError.self) { try TeacherEmbedder(teacher: cross, prompt: "").embed(dataPath: h5) }
  }

  struct Outcome: Sendable {
    var loss: Float
    var gradients: [Float]
    var projection: [Float]
  }

  /// One step on `ranks` ranks: every rank's loss and gradients (encoder and projection) summed over the ranks.
  static func step(
    student: URL, h5: String, ranks: Int, miniBatch: Int?, infoNCE: Bool, teacherDims: Int, examples count: Int = 32
  ) throws -> [Outcome] {
    try ThreadGroup.run(size: ranks) { comm in
      let model = try SentenceEncoder(directory: student.path)
      let dataSets = DataSetFiles()
      let source = Recipe.DataSource(format: .hdf5, paths: [h5], negatives: .data)
      let examples = Array(try TrainingData.loadSources([source], dataSets: dataSets)[0].prefix(count))
      let dims = try dataSets.loadTeacherEmbeddings(of: [h5], stage: "s", teacher: .init(directory: try Self.teacherDirectory(h5)))
      #expect(dims == teacherDims)
      let projection = dims == 16 ? nil : EmbeddingDistillation.Projection(studentDim: 16, teacherDim: dims, seed: 4)
      let objective = EmbeddingDistillation(
        infoNCE: infoNCE ? InfoNCE(temperature: 0.05, hardNegatives: 2) : nil, weight: 0.7, klWeight: 0.5, temperature: 0.05,
        hardNegatives: 2, normalize: true, projection: projection)
      var step = TrainingStep(
        encoder: model.encoder, pooling: .mean, objective: objective,
        texts: TextPreparation(tokenizer: model.tokenizer, maxLength: 24, queryPrefix: "query: ", passagePrefix: "passage: ", dataSets: dataSets))
      step.communicator = comm
      let store = model.encoder.store
      store.zeroGrad()
      projection?.store.zeroGrad()
      let r = try step.run(examples, dropout: false, seed: 5, miniBatch: miniBatch)
      try store.reduceGradients(over: comm)
      try projection?.store.reduceGradients(over: comm)
      return Outcome(
        loss: r.loss, gradients: Array(UnsafeBufferPointer(start: store.denseGradients(), count: store.count)),
        projection: projection.map { Array(UnsafeBufferPointer(start: $0.store.denseGradients(), count: $0.store.views[0].count)) } ?? [])
    }
  }

  static func teacherDirectory(_ h5: String) throws -> String {
    try #require(try DataSetFile(path: h5).teacherEmbeddings()?.attributes["teacher"])
  }

  @Test(arguments: ["alone-2", "alone-3", "gradcache", "infonce-gradcache-3", "same-width-2"])
  func ranksAndGradCacheGiveThePlainStepsLossAndGradients(_ variant: String) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let student = try tinyModel(in: dir)
    let h5 = try Self.dataSet(in: dir, student: student)
    let same = variant.hasPrefix("same-width")
    // a teacher as wide as the student needs no projection
    let teacherDir = same ? dir.appendingPathComponent("tiny-model-teacher") : try Self.teacher(in: dir)
    if same { try FileManager.default.copyItem(at: student, to: teacherDir) }
    _ = try TeacherEmbedder(teacher: try SentenceEncoder(directory: teacherDir.path), prompt: "").embed(dataPath: h5)
    let dims = same ? 16 : 24
    let ranks = variant.hasSuffix("-3") ? 3 : variant.hasSuffix("-2") ? 2 : 1
    let miniBatch = variant.contains("gradcache") ? 10 : nil
    let infoNCE = variant.hasPrefix("infonce")
    let one = try Self.step(student: student, h5: h5, ranks: 1, miniBatch: nil, infoNCE: infoNCE, teacherDims: dims)[0]
    let many = try Self.step(student: student, h5: h5, ranks: ranks, miniBatch: miniBatch, infoNCE: infoNCE, teacherDims: dims)
    for other in many.dropFirst() { #expect(other.gradients == many[0].gradients && other.projection == many[0].projection) }
    let got = many[0]
    #expect(one.loss > 0 && abs(got.loss - one.loss) <= 1e-5 * one.loss, "\(variant): loss \(got.loss) vs \(one.loss)")
    let d = difference(got.gradients, one.gradients)
    #expect(d.maxRef > 0 && d.maxAbs <= 1e-4 * d.maxRef, "\(variant): encoder gradients \(d)")
    #expect(one.projection.isEmpty == same)
    if !same {
      let p = difference(got.projection, one.projection)
      #expect(p.maxRef > 0 && p.maxAbs <= 1e-5 * p.maxRef, "\(variant): projection gradients \(p)")
    }
  }
}

/// A run with an embedding distillation stage: stopped and resumed mid-stage it ends with the
/// weights (and projection) of a run that did not stop, without embedding the data set again.
extension EmbeddingDistillationTrainingTests {
  func recipe(_ dir: URL, name: String, student: URL, teacher: URL, h5: String, exact: Bool = false) throws -> Recipe {
    let text = """
      model: {base: \(student.path), max_length: 24, query_prefix: "query: ", passage_prefix: "passage: "}
      seed: 3
      output: \(dir.path)/\(name)
      stages:
        - name: distill
          data: [{format: hdf5, path: \(h5), negatives: data}]
          loss: {kind: embedding_distillation, teacher: \(teacher.path), kl: 0.5, hard_negatives: 1}
          batch_size: 8
          steps: 4
          optimizer: {lr: 1.0e-3\(exact ? ", eps: 1.0e-6" : "")}
      \(exact ? "    dropout: false" : "")
      """
    let path = dir.appendingPathComponent("\(name).recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path)
  }

  @Test func aResumedRunEndsAsOneThatDidNotStopAndTheModelHasNoProjection() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let student = try tinyModel(in: dir)
    let teacher = try Self.teacher(in: dir)
    let h5 = try Self.dataSet(in: dir, student: student)
    var notes: [String] = []
    let observe = { (e: TrainingRun.Event) in if case .preparing(let s) = e { notes.append(s) } }
    try TrainingRun(recipe: try recipe(dir, name: "whole", student: student, teacher: teacher, h5: h5), observer: observe).run()
    #expect(notes.contains { $0.hasPrefix("embedding \(h5)") })
    notes = []
    let stopped = try recipe(dir, name: "stopped", student: student, teacher: teacher, h5: h5)
    try TrainingRun(recipe: stopped, observer: observe).run(maxSteps: 2)
    try TrainingRun(recipe: stopped, observer: observe).run(resume: .latest)
    // the data set holds the teacher's embeddings already: neither run embeds again
    #expect(!notes.contains { $0.hasPrefix("embedding ") } && notes.contains { $0.contains("holds the embeddings of") })
    let whole = dir.appendingPathComponent("whole/checkpoints"), resumed = dir.appendingPathComponent("stopped/checkpoints")
    #expect(FileManager.default.fileExists(atPath: resumed.appendingPathComponent("step-0000002/objective.safetensors").path))
    for file in ["step-0000004/model.safetensors", "step-0000004/objective.safetensors", "step-0000004/optimizer.safetensors"] {
      let a = try Data(contentsOf: whole.appendingPathComponent(file)), b = try Data(contentsOf: resumed.appendingPathComponent(file))
      #expect(a == b, "\(file) differs")
    }
    // the projection (24 × 16) moved, and is not part of the model
    let projection = try SafeTensorsFile(path: whole.appendingPathComponent("step-0000004/objective.safetensors").path)
    #expect(projection.entries["projection.weight"]?.shape == [24, 16])
    let initial = EmbeddingDistillation.Projection(studentDim: 16, teacherDim: 24, seed: Seeds.projection(run: 3, stage: 0))
    #expect(try projection.floats("projection.weight") != Array(UnsafeBufferPointer(start: initial.store.pointer("projection.weight"), count: 384)))
    let model = dir.appendingPathComponent("whole/model")
    #expect(!FileManager.default.fileExists(atPath: model.appendingPathComponent("objective.safetensors").path))
    #expect(try SafeTensorsFile(path: model.appendingPathComponent("model.safetensors").path).entries.keys.allSatisfy { !$0.contains("projection") })
  }

  /// Two ranks (threads) train the run of one: the projection's gradients are summed over the
  /// ranks as the encoder's are (else the replicas would part), so both end at one rank's weights.
  @Test func twoRanksTrainTheWeightsAndProjectionOfOne() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let student = try tinyModel(in: dir)
    let teacher = try Self.teacher(in: dir)
    let h5 = try Self.dataSet(in: dir, student: student)
    let one = try recipe(dir, name: "one", student: student, teacher: teacher, h5: h5, exact: true)
    try TrainingRun(recipe: one, observer: { _ in }).run()
    let two = try recipe(dir, name: "two", student: student, teacher: teacher, h5: h5, exact: true)
    _ = try ThreadGroup.run(size: 2) { comm in try TrainingRun(recipe: two, communicator: comm, observer: { _ in }).run() }
    for (file, tensors) in [("model.safetensors", ["embeddings.LayerNorm.weight", "encoder.layer.0.output.dense.weight"]), ("objective.safetensors", ["projection.weight"])] {
      let a = try SafeTensorsFile(path: dir.appendingPathComponent("one/checkpoints/step-0000004/\(file)").path)
      let b = try SafeTensorsFile(path: dir.appendingPathComponent("two/checkpoints/step-0000004/\(file)").path)
      for name in tensors {
        let d = difference(try b.floats(name), try a.floats(name))
        #expect(d.maxAbs <= 1e-5, "\(file) \(name): \(d)")
      }
    }
  }
}
