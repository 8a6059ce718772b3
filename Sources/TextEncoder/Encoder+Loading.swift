import Autograd
import SafeTensors

extension Encoder {
  /// Fills every parameter from a safetensors file with Hugging Face names. Names may carry a
  /// model prefix (`roberta.`, `bert.`, `model.`) as in task-head checkpoints; a cross-encoder's
  /// head (`classifier.*`) has none. Shapes must match exactly; tensors the encoder does not use
  /// (a pooler, a task head of a plain encoder) are returned, not loaded.
  ///
  /// With `headSeed`, a cross-encoder whose file has no classification head (a bi-encoder it
  /// starts from) gets a fresh one, initialized as BERT initializes (N(0, 0.02²), biases 0).
  @discardableResult
  public func load(from file: SafeTensorsFile, headSeed: UInt64? = nil) throws -> [String] {
    let prefix = ["", "roberta.", "xlm_roberta.", "bert.", "model.", "0.auto_model."].first {
      file.entries[$0 + WeightNames.wordEmbeddings] != nil
    } ?? ""
    var used = Set<String>()
    for view in store.views {
      let name = WeightNames.isHead(view.name) ? view.name : prefix + view.name
      if let headSeed, WeightNames.isHead(view.name), file.entries[name] == nil {
        var rng = SplitMix64(seed: headSeed &+ UInt64(view.offset))
        let p = store.pointer(view.name)
        for i in 0..<view.count { p[i] = view.shape.count == 1 ? 0 : 0.02 * rng.nextNormal() }
        continue
      }
      guard let entry = file.entries[name] else { throw TextEncoderError.missingTensor(path: file.path, tensor: name) }
      guard entry.shape == view.shape else {
        throw TextEncoderError.wrongShape(path: file.path, tensor: name, expected: view.shape, got: entry.shape)
      }
      try file.copyFloats(name, into: store.pointer(view.name))
      used.insert(name)
    }
    return file.names.filter { !used.contains($0) }
  }

  /// Writes every parameter under its Hugging Face name; a cross-encoder's encoder tensors get
  /// the `roberta.` prefix of `XLMRobertaForSequenceClassification`.
  public func save(to path: String, dtype: DType = .f32, metadata: [String: String] = ["format": "pt"]) throws {
    var writer = SafeTensorsWriter(metadata: metadata)
    let prefix = config.numLabels == nil ? "" : "roberta."
    for view in store.views {
      writer.add(WeightNames.isHead(view.name) ? view.name : prefix + view.name, shape: view.shape,
                 floats: UnsafeBufferPointer(start: store.pointer(view.name), count: view.count), as: dtype)
    }
    try writer.write(to: path)
  }

}
