import SafeTensors

/// `pooler.dense.weight` and `.bias` of a Hugging Face encoder (`XLMRobertaModel`, `BertModel`):
/// tanh(dense(h_CLS)), which sentence-transformers' pooling does not use. They are not trained
/// here; a bi-encoder keeps the ones it was loaded with and writes them back, or writes zeros when
/// it had none (a pooler output of 0), so that transformers' `AutoModel.from_pretrained` finds
/// every tensor of the model it builds and reports none as newly initialized.
public struct Pooler: Sendable, Equatable {
  public static let names = ["pooler.dense.weight", "pooler.dense.bias"]
  public var weight: [Float]
  public var bias: [Float]

  public init(weight: [Float], bias: [Float]) {
    self.weight = weight
    self.bias = bias
  }

  public init(zerosOfSize hidden: Int) {
    weight = [Float](repeating: 0, count: hidden * hidden)
    bias = [Float](repeating: 0, count: hidden)
  }

  /// The pooler in `file` under `prefix`, nil when the file has neither tensor. One without the
  /// other, a shape other than [hidden, hidden] and [hidden], or a value that is not finite is
  /// refused, naming the tensor.
  init?(from file: SafeTensorsFile, prefix: String, hiddenSize hidden: Int) throws {
    let w = prefix + Self.names[0], b = prefix + Self.names[1]
    guard file.entries[w] != nil || file.entries[b] != nil else { return nil }
    var found = Pooler(zerosOfSize: 0)
    for (name, shape) in [(w, [hidden, hidden]), (b, [hidden])] {
      guard let entry = file.entries[name] else { throw TextEncoderError.missingTensor(path: file.path, tensor: name) }
      guard entry.shape == shape else { throw TextEncoderError.wrongShape(path: file.path, tensor: name, expected: shape, got: entry.shape) }
      var values = [Float](repeating: 0, count: shape.reduce(1, *))
      try values.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        try file.copyFloats(name, into: base)
        try Encoder.checkFinite(UnsafeBufferPointer(p), shape: shape, tensor: name, path: file.path)
      }
      if name == w { found.weight = values } else { found.bias = values }
    }
    self = found
  }
}
