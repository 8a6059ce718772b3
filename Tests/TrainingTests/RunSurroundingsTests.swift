import Foundation
import Recipes
import TestSupport
import Testing
import Training

/// What surrounds a run's weights: the evaluation before training (which must not change
/// them), run.json, the exported prompts and the model card. A tiny random encoder with
/// multilingual-e5-small's tokenizer keeps it fast.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct RunSurroundingsTests {
  func recipe(model: URL, output: URL, baseline: Bool) throws -> Recipe {
    let root = Fixtures.root.path
    let text = """
      model: {base: \(model.path), max_length: 24, query_prefix: "query: ", passage_prefix: "query: "}
      seed: 2
      output: \(output.path)
      evaluate_before_training: \(baseline)
      evaluation:
        - {name: dev, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, limit: 30}
        - {name: test, path: \(root)/data/kornlu/KorSTS/sts-test.tsv, limit: 30, final: true}
      best: {set: dev}
      stages:
        - name: nli
          data: [{format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv, name: KorNLI, license: cc-by-sa-4.0, language: ko}]
          loss: {kind: infonce}
          batch_size: 3
          steps: 3
          eval_every: 2
          optimizer: {lr: 1.0e-3}
        - name: sts
          data: [{format: sts_tsv, path: \(root)/data/kornlu/KorSTS/sts-train.tsv, name: KorSTS}]
          loss: {kind: cosent}
          batch_size: 3
          steps: 2
          optimizer: {lr: 1.0e-3}
      """
    let path = output.path + ".recipe"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path)
  }

  func lines(_ run: URL) throws -> [[String: Any]] {
    try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
  }

  @Test func theEvaluationBeforeTrainingChangesNoWeight() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let with = dir.appendingPathComponent("with"), without = dir.appendingPathComponent("without")
    try TrainingRun(recipe: try recipe(model: model, output: with, baseline: true), observer: { _ in }).run()
    try TrainingRun(recipe: try recipe(model: model, output: without, baseline: false), observer: { _ in }).run()
    for path in ["model/model.safetensors", "checkpoints/step-0000005/optimizer.safetensors", "checkpoints/step-0000003/optimizer.safetensors"] {
      #expect(try Data(contentsOf: with.appendingPathComponent(path)) == Data(contentsOf: without.appendingPathComponent(path)), "\(path) differs")
    }
    let a = try lines(with), b = try lines(without)
    let baseline = a.filter { $0["stage"] as? String == "baseline" }
    #expect(baseline.map { $0["eval"] as? String } == ["dev"] && baseline[0]["global_step"] as? Int == 0 && baseline[0]["best"] == nil)
    // everything else is the same, losses and metrics included
    let rest = a.filter { $0["stage"] as? String != "baseline" }
    #expect(rest.count == b.count)
    for (x, y) in zip(rest, b) { #expect(x["loss"] as? Double == y["loss"] as? Double && x["spearman_cosine"] as? Double == y["spearman_cosine"] as? Double) }
    // run.json: the machine, ranks, threads, precision, and the wall time once finished
    let info = try JSONSerialization.jsonObject(with: Data(contentsOf: with.appendingPathComponent("run.json"))) as! [String: Any]
    // (the recipe does not say: auto, bf16 where the CPU has native bf16 dot products)
    #expect(info["precision"] as? String == (Fixtures.nativeBF16 ? "bf16" : "fp32") && info["ranks"] as? Int == 1 && (info["seconds"] as? Double ?? -1) > 0)
    #expect(info["trainer_version"] as? String == TrainerVersion.number && (info["cpu"] as? String)?.isEmpty == false)
  }

  @Test func theExportCarriesItsPromptsAndACardWithoutAbsolutePaths() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    try "---\nlicense: mit\n---\n# tiny\n\nA random model shaped as `owner/tiny-model`.\n".write(
      to: model.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("run")
    try TrainingRun(recipe: try recipe(model: model, output: out, baseline: true), observer: { _ in }).run()
    let exported = out.appendingPathComponent("model")
    let st = try JSONSerialization.jsonObject(with: Data(contentsOf: exported.appendingPathComponent("config_sentence_transformers.json"))) as! [String: Any]
    #expect(st["default_prompt_name"] as? String == "query")
    #expect((st["prompts"] as? [String: String]) == ["query": "query: ", "passage": "query: ", "document": "query: "])
    let card = try String(contentsOf: exported.appendingPathComponent("README.md"), encoding: .utf8)
    let front = card.components(separatedBy: "---\n")[1]
    for line in [
      "base_model: \"owner/tiny-model\"", "license: \"mit\"", "language:\n- \"ko\"", "datasets:\n- \"KorNLI\"\n- \"KorSTS\"",
      "pipeline_tag: sentence-similarity", "- \"loss:InfoNCE\"", "- \"loss:CoSENT\"", "model-index:", "type: \"spearman_cosine\"",
      "name: \"test\"",
    ] {
      #expect(front.contains(line), "front matter lacks \(line)")
    }
    for section in ["## Usage", "### Full Model Architecture", "### Prompts", "## Training Details", "### Training Logs", "### Framework Versions", "@article{wang2022text", "huang2024cosent"] {
      #expect(card.contains(section), "card lacks \(section)")
    }
    // the data statistics: a column per text the objectives encode
    #expect(card.contains("| | query | positive | negative |") && card.contains("| | sentence1 | sentence2 |"))
    // the step-0 row of the log holds the baseline
    #expect(card.contains("| 0 | (before training) | – |"))
    // no file of the export names the temporary directory (the recipe names it: its paths are shortened)
    let fm = FileManager.default
    for name in try fm.subpathsOfDirectory(atPath: exported.path) where !name.hasSuffix(".safetensors") && !name.hasSuffix(".model") {
      var isDir: ObjCBool = false
      guard fm.fileExists(atPath: exported.appendingPathComponent(name).path, isDirectory: &isDir), !isDir.boolValue else { continue }
      let text = String(decoding: try Data(contentsOf: exported.appendingPathComponent(name)), as: UTF8.self)
      #expect(!text.contains(dir.path) && !text.contains(dir.resolvingSymlinksInPath().path), "\(name) holds an absolute path")
    }
  }
}
