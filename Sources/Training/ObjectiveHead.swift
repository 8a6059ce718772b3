import Autograd
import Foundation
import SafeTensors

/// An objective's own parameters (embedding distillation's projection) while its stage trains
/// them: their store and its AdamW, stepped with the encoder's (the same learning rate, the
/// gradient norm taken over both, clipped alike). A checkpoint holds them in
/// `objective.safetensors` (each parameter, its AdamW moments `exp_avg.NAME` and `exp_avg_sq.NAME`,
/// the step in the metadata); they are never part of the model.
public final class ObjectiveHead {
  static let file = "objective.safetensors"
  let store: ParameterStore
  let optimizer: AdamW

  init(store: ParameterStore, settings: AdamW.Settings) {
    self.store = store
    optimizer = AdamW(store: store, settings: settings)
  }

  func write(to path: String) throws {
    var w = SafeTensorsWriter(metadata: ["step": "\(optimizer.step)"])
    for view in store.views {
      w.add(view.name, shape: view.shape, floats: UnsafeBufferPointer(start: store.pointer(view.name), count: view.count))
      w.add("exp_avg.\(view.name)", shape: view.shape, floats: UnsafeBufferPointer(start: optimizer.m.data + view.offset, count: view.count))
      w.add("exp_avg_sq.\(view.name)", shape: view.shape, floats: UnsafeBufferPointer(start: optimizer.v.data + view.offset, count: view.count))
    }
    try w.write(to: path)
  }

  /// Restores the parameters, their moments and the step from checkpoint `dir`.
  func load(from dir: URL) throws {
    let path = dir.appendingPathComponent(Self.file).path
    guard FileManager.default.fileExists(atPath: path) else {
      throw TrainingError.checkpoint(path: path, detail: "missing: the stage trains parameters of its loss (a projection) that the checkpoint must hold")
    }
    let file = try SafeTensorsFile(path: path)
    for view in store.views {
      for (name, target) in [(view.name, store.pointer(view.name)), ("exp_avg.\(view.name)", optimizer.m.data + view.offset),
                             ("exp_avg_sq.\(view.name)", optimizer.v.data + view.offset)] {
        guard let e = file.entries[name], e.shape == view.shape else {
          throw TrainingError.checkpoint(path: path, detail: "tensor \(name) missing or not \(view.shape)")
        }
        try file.copyFloats(name, into: target)
      }
    }
    guard let step = file.metadata["step"].flatMap({ Int($0) }) else {
      throw TrainingError.checkpoint(path: path, detail: "metadata has no optimizer step")
    }
    optimizer.step = step
  }
}
