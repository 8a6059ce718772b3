import Autograd
import SafeTensors

extension Encoder {
  /// An encoder of `config` with its weights from `file`, as `load(from:headSeed:)` loads them;
  /// every tensor's shape is checked against the config before the parameters are allocated, so
  /// a config that disagrees with the weights (a mistyped vocab_size) is reported, not allocated.
  public convenience init(config: EncoderConfig, weights file: SafeTensorsFile, headSeed: UInt64? = nil) throws {
    try Self.checkShapes(config: config, file: file, headSeed: headSeed)
    self.init(config: config)
    try load(from: file, headSeed: headSeed)
  }

  /// The model prefix of the encoder's names in `file` (`roberta.`, …, or none).
  static func prefix(in file: SafeTensorsFile) -> String {
    ["", "roberta.", "xlm_roberta.", "bert.", "model.", "0.auto_model."].first {
      file.entries[$0 + WeightNames.wordEmbeddings] != nil
    } ?? ""
  }

  /// Every parameter of `config` must be in `file` with its shape (a missing head is allowed
  /// with `headSeed`): the error names the file, the tensor and both shapes.
  static func checkShapes(config: EncoderConfig, file: SafeTensorsFile, headSeed: UInt64?) throws {
    let prefix = prefix(in: file)
    // the layers' tensors must be there before their names are made (a layer count in the
    // millions would otherwise make millions of names)
    let last = WeightNames.Layer(config.numHiddenLayers - 1).queryWeight
    guard file.entries[prefix + last] != nil else { throw TextEncoderError.missingTensor(path: file.path, tensor: prefix + last) }
    for (name, shape) in WeightNames.specs(config) {
      let stored = WeightNames.isHead(name) ? name : prefix + name
      guard let entry = file.entries[stored] else {
        if headSeed != nil && WeightNames.startsFresh(name) { continue }
        throw TextEncoderError.missingTensor(path: file.path, tensor: stored)
      }
      guard entry.shape == shape else { throw TextEncoderError.wrongShape(path: file.path, tensor: stored, expected: shape, got: entry.shape) }
    }
  }

  /// Fills every parameter from a safetensors file with Hugging Face names. Names may carry a
  /// model prefix (`roberta.`, `bert.`, `model.`) as in task-head checkpoints; a cross-encoder's
  /// head (`classifier.*`) has none. Shapes must match exactly; tensors the encoder does not use
  /// (a pooler, a task head of a plain encoder) are returned, not loaded. A NaN or infinite
  /// weight is refused with its tensor, index and file.
  ///
  /// With `headSeed`, a cross-encoder whose file has no classification head (a bi-encoder it
  /// starts from) gets a fresh one, initialized as BERT initializes (N(0, 0.02²), biases 0).
  @discardableResult
  public func load(from file: SafeTensorsFile, headSeed: UInt64? = nil) throws -> [String] {
    let prefix = Self.prefix(in: file)
    var used = Set<String>()
    for view in store.views {
      let name = WeightNames.isHead(view.name) ? view.name : prefix + view.name
      if let headSeed, WeightNames.startsFresh(view.name), file.entries[name] == nil {
        var rng = SplitMix64(seed: headSeed &+ UInt64(view.offset))
        let p = store.pointer(view.name)
        for i in 0..<view.count { p[i] = view.shape.count == 1 ? 0 : 0.02 * rng.nextNormal() }
        continue
      }
      guard let entry = file.entries[name] else { throw TextEncoderError.missingTensor(path: file.path, tensor: name) }
      guard entry.shape == view.shape else {
        throw TextEncoderError.wrongShape(path: file.path, tensor: name, expected: view.shape, got: entry.shape)
      }
      let p = store.pointer(view.name)
      try file.copyFloats(name, into: p)
      try Self.checkFinite(UnsafeBufferPointer(start: p, count: view.count), shape: view.shape, tensor: name, path: file.path)
      used.insert(name)
    }
    if config.numLabels == nil, let found = try Pooler(from: file, prefix: prefix, hiddenSize: config.hiddenSize) {
      pooler = found
      used.formUnion(Pooler.names.map { prefix + $0 })
    }
    return file.names.filter { !used.contains($0) }
  }

  /// Refuses a tensor holding NaN or ±infinity, naming its first such value's index (flat and
  /// per dimension).
  static func checkFinite(_ values: UnsafeBufferPointer<Float>, shape: [Int], tensor: String, path: String) throws {
    var bad = -1
    for i in 0..<values.count where !values[i].isFinite {
      bad = i
      break
    }
    guard bad >= 0 else { return }
    var index: [Int] = [], rest = bad
    for d in shape.reversed() {
      index.insert(rest % max(d, 1), at: 0)
      rest /= max(d, 1)
    }
    throw TextEncoderError.cannotRead(path: path, reason: "tensor '\(tensor)' holds \(values[bad]) at index \(bad) (\(index))")
  }

  /// Writes every parameter under its Hugging Face name; a cross-encoder's encoder tensors get
  /// the prefix of its sequence classifier (`roberta.`, `bert.`). A bi-encoder's file also
  /// holds `pooler.dense.*` (`Pooler`): the loaded one, else zeros.
  public func save(to path: String, dtype: DType = .f32, metadata: [String: String] = ["format": "pt"]) throws {
    var writer = SafeTensorsWriter(metadata: metadata)
    let prefix = config.numLabels == nil ? "" : config.modelType.classifierPrefix
    for view in store.views {
      writer.add(WeightNames.isHead(view.name) ? view.name : prefix + view.name, shape: view.shape,
                 floats: UnsafeBufferPointer(start: store.pointer(view.name), count: view.count), as: dtype)
    }
    guard config.numLabels == nil else { return try writer.write(to: path) }
    let p = pooler ?? Pooler(zerosOfSize: config.hiddenSize)
    try p.weight.withUnsafeBufferPointer { w in
      try p.bias.withUnsafeBufferPointer { b in
        writer.add(Pooler.names[0], shape: [config.hiddenSize, config.hiddenSize], floats: w, as: dtype)
        writer.add(Pooler.names[1], shape: [config.hiddenSize], floats: b, as: dtype)
        try writer.write(to: path)
      }
    }
  }

}
