import Autograd
import Foundation
import SafeTensors
import TextEncoder

/// A checkpoint directory: a sentence-transformers / Hugging Face model directory (loadable as
/// is) plus `optimizer.safetensors` (AdamW moments) and `trainer_state.json`. It is assembled
/// under a hidden temporary name and renamed into place in one step, so a crash leaves either
/// the complete checkpoint or none; `trainer_state.json` is written last inside it.
public enum Checkpoint {
  public static func name(globalStep: Int) -> String { String(format: "step-%07d", globalStep) }

  public static func write(
    to dir: URL, encoder: Encoder, layout: SentenceTransformersLayout, sentencePieceModel: Data,
    optimizer: AdamW?, state: TrainerState, modelCard: String
  ) throws {
    let fm = FileManager.default
    let staging = dir.deletingLastPathComponent().appendingPathComponent(".\(dir.lastPathComponent).partial")
    try? fm.removeItem(at: staging)
    do {
      var writer = ModelDirectoryWriter(layout: layout)
      writer.extraFiles["README.md"] = Data(modelCard.utf8)
      try writer.write(encoder: encoder, sentencePieceModel: sentencePieceModel, to: staging.path)
      if let optimizer {
        var w = SafeTensorsWriter(metadata: ["step": "\(optimizer.step)", "parameters": "\(encoder.store.count)"])
        w.add("exp_avg", shape: [optimizer.m.count], floats: UnsafeBufferPointer(start: optimizer.m.data, count: optimizer.m.count), as: .f32)
        w.add("exp_avg_sq", shape: [optimizer.v.count], floats: UnsafeBufferPointer(start: optimizer.v.data, count: optimizer.v.count), as: .f32)
        try w.write(to: staging.appendingPathComponent("optimizer.safetensors").path)
      }
      try state.jsonData().write(to: staging.appendingPathComponent("trainer_state.json"))
      if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }
      try fm.moveItem(at: staging, to: dir)
    } catch {
      try? fm.removeItem(at: staging)
      throw error
    }
  }

  /// Complete checkpoints under `dir` (those with a trainer state), oldest first.
  public static func list(in dir: URL) -> [(url: URL, state: TrainerState)] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasPrefix("step-") }.sorted().compactMap { name in
      let url = dir.appendingPathComponent(name)
      guard let state = try? TrainerState.read(url.appendingPathComponent("trainer_state.json")) else { return nil }
      return (url, state)
    }
  }

  /// Points the symbolic link `best` beside the checkpoints at `dir` (replaced in one rename).
  public static func markBest(_ dir: URL) throws {
    let parent = dir.deletingLastPathComponent()
    let link = parent.appendingPathComponent("best"), staging = parent.appendingPathComponent(".best.partial")
    try? FileManager.default.removeItem(at: staging)
    try FileManager.default.createSymbolicLink(atPath: staging.path, withDestinationPath: dir.lastPathComponent)
    guard rename(staging.path, link.path) == 0 else {
      throw TrainingError.checkpoint(path: link.path, detail: "cannot mark the best checkpoint: \(String(cString: strerror(errno)))")
    }
  }

  /// Restores AdamW moments and step from a checkpoint.
  public static func loadOptimizer(_ optimizer: AdamW, from dir: URL) throws {
    let path = dir.appendingPathComponent("optimizer.safetensors").path
    let file = try SafeTensorsFile(path: path)
    for (name, t) in [("exp_avg", optimizer.m), ("exp_avg_sq", optimizer.v)] {
      guard let e = file.entries[name], e.shape == [t.count] else {
        throw TrainingError.checkpoint(path: path, detail: "tensor \(name) missing or not [\(t.count)]")
      }
      try file.copyFloats(name, into: t.data)
    }
    guard let step = file.metadata["step"].flatMap({ Int($0) }) else {
      throw TrainingError.checkpoint(path: path, detail: "metadata has no optimizer step")
    }
    optimizer.step = step
    optimizer.recomputeActiveRows()
  }
}
