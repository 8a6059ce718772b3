/// Hugging Face parameter names and shapes of an XLM-R / RoBERTa / BERT encoder
/// (`XLMRobertaModel`, `RobertaModel`, `BertModel` state dicts, without the pooler).
public enum WeightNames {
  public static let wordEmbeddings = "embeddings.word_embeddings.weight"
  public static let positionEmbeddings = "embeddings.position_embeddings.weight"
  public static let tokenTypeEmbeddings = "embeddings.token_type_embeddings.weight"
  public static let embeddingsNormWeight = "embeddings.LayerNorm.weight"
  public static let embeddingsNormBias = "embeddings.LayerNorm.bias"

  /// Names of one layer's parameters.
  public struct Layer: Sendable {
    public let prefix: String
    public init(_ l: Int) { prefix = "encoder.layer.\(l)." }
    public var queryWeight: String { prefix + "attention.self.query.weight" }
    public var queryBias: String { prefix + "attention.self.query.bias" }
    public var keyWeight: String { prefix + "attention.self.key.weight" }
    public var keyBias: String { prefix + "attention.self.key.bias" }
    public var valueWeight: String { prefix + "attention.self.value.weight" }
    public var valueBias: String { prefix + "attention.self.value.bias" }
    public var qkvWeights: [String] { [queryWeight, keyWeight, valueWeight] }
    public var qkvBiases: [String] { [queryBias, keyBias, valueBias] }
    public var attentionOutputWeight: String { prefix + "attention.output.dense.weight" }
    public var attentionOutputBias: String { prefix + "attention.output.dense.bias" }
    public var attentionNormWeight: String { prefix + "attention.output.LayerNorm.weight" }
    public var attentionNormBias: String { prefix + "attention.output.LayerNorm.bias" }
    public var intermediateWeight: String { prefix + "intermediate.dense.weight" }
    public var intermediateBias: String { prefix + "intermediate.dense.bias" }
    public var outputWeight: String { prefix + "output.dense.weight" }
    public var outputBias: String { prefix + "output.dense.bias" }
    public var outputNormWeight: String { prefix + "output.LayerNorm.weight" }
    public var outputNormBias: String { prefix + "output.LayerNorm.bias" }
  }

  /// The classification head of a cross-encoder on the first token: a dense layer with tanh,
  /// then a projection to the labels. XLM-R and RoBERTa (`XLMRobertaClassificationHead`):
  /// `classifier.dense`, `classifier.out_proj`; BERT: the encoder's pooler (`pooler.dense`, under
  /// the encoder's `bert.` prefix), then `classifier`. `classifier.*` is stored without the
  /// encoder's prefix.
  public struct Head: Sendable {
    public let denseWeight, denseBias, outWeight, outBias: String
    /// BERT's order: dropout only between the pooler and the classifier (XLM-R's head drops out
    /// before each projection).
    public let dropoutBeforeDense: Bool
  }
  public static func head(_ c: EncoderConfig) -> Head {
    c.modelType == .bert
      ? Head(denseWeight: "pooler.dense.weight", denseBias: "pooler.dense.bias", outWeight: "classifier.weight",
             outBias: "classifier.bias", dropoutBeforeDense: false)
      : Head(denseWeight: classifierDenseWeight, denseBias: classifierDenseBias, outWeight: classifierOutWeight,
             outBias: classifierOutBias, dropoutBeforeDense: true)
  }
  public static let classifierDenseWeight = "classifier.dense.weight"
  public static let classifierDenseBias = "classifier.dense.bias"
  public static let classifierOutWeight = "classifier.out_proj.weight"
  public static let classifierOutBias = "classifier.out_proj.bias"
  /// A head tensor stored without the encoder's prefix.
  public static func isHead(_ name: String) -> Bool { name.hasPrefix("classifier.") }
  /// A head tensor that a bi-encoder base may lack and that then starts fresh (BERT's pooler too).
  public static func startsFresh(_ name: String) -> Bool { isHead(name) || name.hasPrefix("pooler.") }

  /// Every parameter of the encoder (and its classification head, if any) with its shape, in a
  /// fixed order.
  public static func specs(_ c: EncoderConfig) -> [(name: String, shape: [Int])] {
    let C = c.hiddenSize, F = c.intermediateSize
    var s: [(name: String, shape: [Int])] = [
      (wordEmbeddings, [c.vocabSize, C]), (positionEmbeddings, [c.maxPositionEmbeddings, C]),
      (tokenTypeEmbeddings, [c.typeVocabSize, C]), (embeddingsNormWeight, [C]), (embeddingsNormBias, [C]),
    ]
    for l in 0..<c.numHiddenLayers {
      let n = Layer(l)
      // query, key and value back to back (weights, then biases): one fused (3C, C) projection
      s += [
        (n.queryWeight, [C, C]), (n.keyWeight, [C, C]), (n.valueWeight, [C, C]),
        (n.queryBias, [C]), (n.keyBias, [C]), (n.valueBias, [C]),
        (n.attentionOutputWeight, [C, C]), (n.attentionOutputBias, [C]),
        (n.attentionNormWeight, [C]), (n.attentionNormBias, [C]),
        (n.intermediateWeight, [F, C]), (n.intermediateBias, [F]),
        (n.outputWeight, [C, F]), (n.outputBias, [C]),
        (n.outputNormWeight, [C]), (n.outputNormBias, [C]),
      ]
    }
    if let L = c.numLabels {
      let h = head(c)
      s += [(h.denseWeight, [C, C]), (h.denseBias, [C]), (h.outWeight, [L, C]), (h.outBias, [L])]
    }
    return s
  }
}
