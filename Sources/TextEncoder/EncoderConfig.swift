import Foundation

/// The encoder hyper-parameters, read from a Hugging Face `config.json` (XLM-RoBERTa, RoBERTa or
/// BERT).
public struct EncoderConfig: Codable, Sendable, Equatable {
  public enum ModelType: String, Codable, Sendable, CaseIterable {
    case xlmRoberta = "xlm-roberta"
    case roberta
    case bert

    /// RoBERTa and XLM-R count position ids from pad_token_id + 1; BERT from 0.
    public var offsetsPositions: Bool { self != .bert }

    /// The transformers class of the plain encoder and of the sequence classifier.
    public var modelClass: String {
      switch self {
      case .xlmRoberta: "XLMRobertaModel"
      case .roberta: "RobertaModel"
      case .bert: "BertModel"
      }
    }
    public var classifierClass: String {
      switch self {
      case .xlmRoberta: "XLMRobertaForSequenceClassification"
      case .roberta: "RobertaForSequenceClassification"
      case .bert: "BertForSequenceClassification"
      }
    }

    /// The prefix of the encoder's tensors in a sequence classifier's state dict.
    public var classifierPrefix: String { self == .bert ? "bert." : "roberta." }
  }

  public var modelType: ModelType
  public var vocabSize: Int
  public var hiddenSize: Int
  public var numHiddenLayers: Int
  public var numAttentionHeads: Int
  public var intermediateSize: Int
  public var maxPositionEmbeddings: Int
  public var typeVocabSize: Int
  public var layerNormEps: Float
  public var padTokenId: Int
  public var bosTokenId: Int
  public var eosTokenId: Int
  public var hiddenAct: String
  public var hiddenDropoutProb: Float
  public var attentionProbsDropoutProb: Float
  public var positionEmbeddingType: String
  /// A cross-encoder (`XLMRobertaForSequenceClassification`, `RobertaForSequenceClassification`,
  /// `BertForSequenceClassification`): the number of logits of its classification head on the
  /// first token; nil for a plain encoder.
  public var numLabels: Int?

  enum CodingKeys: String, CodingKey {
    case modelType = "model_type"
    case vocabSize = "vocab_size"
    case hiddenSize = "hidden_size"
    case numHiddenLayers = "num_hidden_layers"
    case numAttentionHeads = "num_attention_heads"
    case intermediateSize = "intermediate_size"
    case maxPositionEmbeddings = "max_position_embeddings"
    case typeVocabSize = "type_vocab_size"
    case layerNormEps = "layer_norm_eps"
    case padTokenId = "pad_token_id"
    case bosTokenId = "bos_token_id"
    case eosTokenId = "eos_token_id"
    case hiddenAct = "hidden_act"
    case hiddenDropoutProb = "hidden_dropout_prob"
    case attentionProbsDropoutProb = "attention_probs_dropout_prob"
    case positionEmbeddingType = "position_embedding_type"
    case numLabels = "num_labels"
  }

  public init(
    modelType: ModelType = .xlmRoberta, vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int,
    numAttentionHeads: Int, intermediateSize: Int, maxPositionEmbeddings: Int, typeVocabSize: Int = 1,
    layerNormEps: Float = 1e-5, padTokenId: Int = 1, bosTokenId: Int = 0, eosTokenId: Int = 2,
    hiddenAct: String = "gelu", hiddenDropoutProb: Float = 0.1, attentionProbsDropoutProb: Float = 0.1,
    positionEmbeddingType: String = "absolute", numLabels: Int? = nil
  ) {
    self.numLabels = numLabels
    self.modelType = modelType
    self.vocabSize = vocabSize
    self.hiddenSize = hiddenSize
    self.numHiddenLayers = numHiddenLayers
    self.numAttentionHeads = numAttentionHeads
    self.intermediateSize = intermediateSize
    self.maxPositionEmbeddings = maxPositionEmbeddings
    self.typeVocabSize = typeVocabSize
    self.layerNormEps = layerNormEps
    self.padTokenId = padTokenId
    self.bosTokenId = bosTokenId
    self.eosTokenId = eosTokenId
    self.hiddenAct = hiddenAct
    self.hiddenDropoutProb = hiddenDropoutProb
    self.attentionProbsDropoutProb = attentionProbsDropoutProb
    self.positionEmbeddingType = positionEmbeddingType
  }

  public var headDim: Int { hiddenSize / numAttentionHeads }

  /// The position id of token `i` of a sequence: XLM-R and RoBERTa count from pad_token_id + 1,
  /// BERT from 0.
  public func positionId(_ i: Int) -> Int {
    modelType.offsetsPositions ? padTokenId + 1 + i : i
  }

  /// The longest sequence (specials included) the position table allows.
  public var maxSequenceLength: Int {
    modelType.offsetsPositions ? maxPositionEmbeddings - padTokenId - 1 : maxPositionEmbeddings
  }

  /// The keys of config.json this project reads; all but the sizes have defaults.
  private struct RawConfig: Decodable {
    var modelType: String?
    var vocabSize: Int
    var hiddenSize: Int
    var numHiddenLayers: Int
    var numAttentionHeads: Int
    var intermediateSize: Int
    var maxPositionEmbeddings: Int
    var typeVocabSize: Int?
    var layerNormEps: Float?
    var padTokenId: Int?
    var bosTokenId: Int?
    var eosTokenId: Int?
    var hiddenAct: String?
    var hiddenDropoutProb: Float?
    var attentionProbsDropoutProb: Float?
    var positionEmbeddingType: String?
    var numLabels: Int?
    typealias CodingKeys = EncoderConfig.CodingKeys
  }

  /// What decides whether config.json describes a sequence classifier.
  private struct Head: Decodable {
    var architectures: [String]?
    var id2label: [String: String]?
  }

  /// Reads and validates `config.json`.
  public static func load(path: String) throws -> EncoderConfig {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TextEncoderError.cannotRead(path: path, reason: "cannot read model config")
    }
    let raw: RawConfig
    do {
      raw = try JSONDecoder().decode(RawConfig.self, from: data)
    } catch let DecodingError.keyNotFound(key, _) {
      throw TextEncoderError.badConfig(path: path, key: key.stringValue, detail: "missing")
    } catch let DecodingError.typeMismatch(type, ctx) {
      let key = ctx.codingPath.map(\.stringValue).joined(separator: ".")
      throw TextEncoderError.badConfig(path: path, key: key, detail: "expected \(type)")
    } catch let DecodingError.valueNotFound(type, ctx) {
      let key = ctx.codingPath.map(\.stringValue).joined(separator: ".")
      throw TextEncoderError.badConfig(path: path, key: key, detail: "expected \(type), got null")
    } catch {
      throw TextEncoderError.badConfig(path: path, key: "(root)", detail: "not a valid JSON object")
    }
    let typeName = raw.modelType ?? ""
    guard let modelType = ModelType(rawValue: typeName) else {
      throw TextEncoderError.unsupported(
        path: path, key: "model_type", value: typeName, supported: ModelType.allCases.map(\.rawValue).joined(separator: ", "))
    }
    let act = raw.hiddenAct ?? "gelu"
    guard act == "gelu" else {
      throw TextEncoderError.unsupported(path: path, key: "hidden_act", value: act, supported: "gelu (the erf form)")
    }
    let posType = raw.positionEmbeddingType ?? "absolute"
    guard posType == "absolute" else {
      throw TextEncoderError.unsupported(path: path, key: "position_embedding_type", value: posType, supported: "absolute")
    }
    var config = EncoderConfig(
      modelType: modelType, vocabSize: raw.vocabSize, hiddenSize: raw.hiddenSize,
      numHiddenLayers: raw.numHiddenLayers, numAttentionHeads: raw.numAttentionHeads,
      intermediateSize: raw.intermediateSize, maxPositionEmbeddings: raw.maxPositionEmbeddings,
      typeVocabSize: raw.typeVocabSize ?? 2, layerNormEps: raw.layerNormEps ?? 1e-12,
      padTokenId: raw.padTokenId ?? (modelType.offsetsPositions ? 1 : 0),
      bosTokenId: raw.bosTokenId ?? 0, eosTokenId: raw.eosTokenId ?? 2, hiddenAct: act,
      hiddenDropoutProb: raw.hiddenDropoutProb ?? 0.1,
      attentionProbsDropoutProb: raw.attentionProbsDropoutProb ?? 0.1, positionEmbeddingType: posType)
    let head = try? JSONDecoder().decode(Head.self, from: data)
    if let architecture = head?.architectures?.first(where: { $0.hasSuffix("ForSequenceClassification") }) {
      let known = ModelType.allCases.map(\.classifierClass)
      guard known.contains(architecture) else {
        throw TextEncoderError.unsupported(path: path, key: "architectures", value: architecture, supported: known.joined(separator: ", "))
      }
      // RobertaForSequenceClassification and XLMRobertaForSequenceClassification are the same network
      let family = modelType == .bert ? [ModelType.bert] : [.xlmRoberta, .roberta]
      guard family.map(\.classifierClass).contains(architecture) else {
        throw TextEncoderError.badConfig(
          path: path, key: "architectures", detail: "\(architecture) does not go with model_type '\(typeName)' (expected \(modelType.classifierClass))")
      }
      config.numLabels = raw.numLabels ?? head?.id2label?.count ?? 2
      guard config.numLabels! > 0 else { throw TextEncoderError.badConfig(path: path, key: "id2label", detail: "no labels") }
    }
    for (key, value) in [("vocab_size", config.vocabSize), ("hidden_size", config.hiddenSize),
                         ("num_hidden_layers", config.numHiddenLayers), ("num_attention_heads", config.numAttentionHeads),
                         ("intermediate_size", config.intermediateSize), ("max_position_embeddings", config.maxPositionEmbeddings),
                         ("type_vocab_size", config.typeVocabSize)] where value <= 0 {
      throw TextEncoderError.badConfig(path: path, key: key, detail: "must be positive, got \(value)")
    }
    guard config.hiddenSize % config.numAttentionHeads == 0 else {
      throw TextEncoderError.badConfig(path: path, key: "num_attention_heads",
        detail: "\(config.numAttentionHeads) does not divide hidden_size \(config.hiddenSize)")
    }
    try checkParameterCount(config, path: path)
    guard config.maxSequenceLength >= 2 else {
      throw TextEncoderError.badConfig(path: path, key: "max_position_embeddings",
        detail: "\(config.maxPositionEmbeddings) leaves no room for <s> and </s> after pad_token_id \(config.padTokenId)")
    }
    return config
  }

  /// Refuses sizes whose parameter count (or its bytes) overflows Int, naming the key that makes
  /// it overflow: hidden_size first (its square), then each size it multiplies, then the layers.
  static func checkParameterCount(_ c: EncoderConfig, path: String) throws {
    func times(_ a: Int, _ b: Int, _ key: String) throws -> Int {
      let (p, overflow) = a.multipliedReportingOverflow(by: b)
      guard !overflow else { throw TextEncoderError.badConfig(path: path, key: key, detail: "\(c.value(of: key)) makes the parameter count overflow") }
      return p
    }
    func plus(_ terms: [Int], _ key: String) throws -> Int {
      try terms.reduce(0) { s, t in
        let (p, overflow) = s.addingReportingOverflow(t)
        guard !overflow else { throw TextEncoderError.badConfig(path: path, key: key, detail: "\(c.value(of: key)) makes the parameter count overflow") }
        return p
      }
    }
    let C = c.hiddenSize
    let square = try times(try times(C, C, "hidden_size"), 4 * MemoryLayout<Float>.size, "hidden_size")
    let ffn = try times(try times(c.intermediateSize, C, "intermediate_size"), 2 * MemoryLayout<Float>.size, "intermediate_size")
    let layer = try plus([square, ffn, try times(C, 16 * MemoryLayout<Float>.size, "hidden_size")], "intermediate_size")
    let layers = try times(layer, c.numHiddenLayers, "num_hidden_layers")
    let word = try times(try times(c.vocabSize, C, "vocab_size"), MemoryLayout<Float>.size, "vocab_size")
    let position = try times(try times(c.maxPositionEmbeddings, C, "max_position_embeddings"), MemoryLayout<Float>.size, "max_position_embeddings")
    let type = try times(try times(c.typeVocabSize, C, "type_vocab_size"), MemoryLayout<Float>.size, "type_vocab_size")
    let labels = try times(try times(c.numLabels ?? 0, C, "num_labels"), MemoryLayout<Float>.size, "num_labels")
    _ = try plus([layers, word, position, type, labels, square], "vocab_size")
  }

  /// The value of size key `key`, for messages.
  func value(of key: String) -> Int {
    switch key {
    case "hidden_size": hiddenSize
    case "intermediate_size": intermediateSize
    case "num_hidden_layers": numHiddenLayers
    case "max_position_embeddings": maxPositionEmbeddings
    case "type_vocab_size": typeVocabSize
    case "num_labels": numLabels ?? 0
    default: vocabSize
    }
  }

  /// The config.json a Hugging Face loader expects for this encoder.
  public func huggingFaceJSON() -> [String: Any] {
    var json = plainJSON()
    if let numLabels {
      json["architectures"] = [modelType.classifierClass]
      json["id2label"] = Dictionary(uniqueKeysWithValues: (0..<numLabels).map { ("\($0)", "LABEL_\($0)") })
      json["label2id"] = Dictionary(uniqueKeysWithValues: (0..<numLabels).map { ("LABEL_\($0)", $0) })
      json["classifier_dropout"] = NSNull()
    }
    return json
  }

  private func plainJSON() -> [String: Any] {
    [
      "architectures": [modelType.modelClass],
      "model_type": modelType.rawValue,
      "vocab_size": vocabSize, "hidden_size": hiddenSize, "num_hidden_layers": numHiddenLayers,
      "num_attention_heads": numAttentionHeads, "intermediate_size": intermediateSize,
      "max_position_embeddings": maxPositionEmbeddings, "type_vocab_size": typeVocabSize,
      "layer_norm_eps": Double(layerNormEps), "pad_token_id": padTokenId, "bos_token_id": bosTokenId,
      "eos_token_id": eosTokenId, "hidden_act": hiddenAct, "hidden_dropout_prob": Double(hiddenDropoutProb),
      "attention_probs_dropout_prob": Double(attentionProbsDropoutProb),
      "position_embedding_type": positionEmbeddingType, "initializer_range": 0.02,
      "torch_dtype": "float32", "use_cache": true,
    ]
  }
}
