import Autograd
import Foundation
import SafeTensors
import Tokenization

/// Writes a Hugging Face / sentence-transformers model directory: `config.json`,
/// `model.safetensors`, the tokenizer (`TokenizerFiles`: `sentencepiece.bpe.model` with the
/// `tokenizer.json` transformers would make of it, or a base's `tokenizer.json` or `vocab.txt`
/// with its configs; XLM-R's configs where the base has none), `modules.json`,
/// `sentence_bert_config.json`, `config_sentence_transformers.json` (prompts, `truncate_dim`), `1_Pooling/config.json`
/// and `2_Normalize/` (a cross-encoder gets transformers' files only). Everything goes into a temporary sibling directory that is renamed into
/// place at the end, so a failure never leaves a half-written model where one was asked for.
public struct ModelDirectoryWriter {
  public var layout: SentenceTransformersLayout
  public var weightsDType: DType = .f32
  public var extraFiles: [String: Data] = [:]
  /// A `model.safetensors` that holds exactly the encoder's weights as `write` would store
  /// them (a checkpoint's, written with the same `weightsDType`): hard-linked instead of
  /// written again when the filesystem allows, else ignored.
  public var weightsFile: String?

  public init(layout: SentenceTransformersLayout) { self.layout = layout }

  static func jsonData(_ object: Any) throws -> Data {
    try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
  }

  /// Writes the directory with a SentencePiece model (and the tokenizer.json made of it).
  public func write(encoder: Encoder, sentencePieceModel: Data, to output: String, overwrite: Bool = false) throws {
    try write(encoder: encoder, tokenizer: try .sentencePiece(sentencePieceModel), to: output, overwrite: overwrite)
  }

  /// Writes the directory. `output` must not exist yet unless `overwrite` is set.
  public func write(encoder: Encoder, tokenizer: TokenizerFiles, to output: String, overwrite: Bool = false) throws {
    let fm = FileManager.default
    let dest = URL(fileURLWithPath: output)
    if fm.fileExists(atPath: output) && !overwrite {
      throw TextEncoderError.cannotRead(path: output, reason: "output directory already exists (pass --overwrite to replace it)")
    }
    let tmp = dest.deletingLastPathComponent().appendingPathComponent(".\(dest.lastPathComponent).tmp-\(getpid())")
    try? fm.removeItem(at: tmp)
    do {
      try fm.createDirectory(at: tmp.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
      let c = encoder.config
      let maxSeq = layout.maxSeqLength ?? c.maxSequenceLength
      let weights = tmp.appendingPathComponent("model.safetensors").path
      if weightsFile.map({ link($0, weights) == 0 }) != true { try encoder.save(to: weights, dtype: weightsDType) }
      try Self.jsonData(c.huggingFaceJSON()).write(to: tmp.appendingPathComponent("config.json"))
      for (name, data) in tokenizer.files { try data.write(to: tmp.appendingPathComponent(name)) }
      if tokenizer.files["tokenizer_config.json"] == nil {
        // XLM-R's (a SentencePiece base, or a tokenizer.json alone of an XLM-R); any other
        // tokenizer.json alone is loaded by transformers as it stands
        let xlmr = tokenizer.files["sentencepiece.bpe.model"] != nil || c.modelType == .xlmRoberta
        let specials: [String: Any] = xlmr ? [
          "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
          "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>",
        ] : [:]
        var tokenizerConfig = specials
        tokenizerConfig["tokenizer_class"] = xlmr ? "XLMRobertaTokenizer" : "PreTrainedTokenizerFast"
        tokenizerConfig["model_max_length"] = maxSeq
        tokenizerConfig["clean_up_tokenization_spaces"] = true
        try Self.jsonData(tokenizerConfig).write(to: tmp.appendingPathComponent("tokenizer_config.json"))
        if xlmr { try Self.jsonData(specials).write(to: tmp.appendingPathComponent("special_tokens_map.json")) }
      }
      if c.numLabels != nil {
        // a cross-encoder: transformers' files only (sentence-transformers' CrossEncoder reads those)
        for (name, data) in extraFiles { try data.write(to: tmp.appendingPathComponent(name)) }
        try fm.removeItem(at: tmp.appendingPathComponent("1_Pooling"))
        if overwrite, fm.fileExists(atPath: output) { try fm.removeItem(at: dest) }
        try fm.moveItem(at: tmp, to: dest)
        return
      }
      var modules: [[String: Any]] = [
        ["idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"],
        ["idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"],
      ]
      if layout.normalize {
        try fm.createDirectory(at: tmp.appendingPathComponent("2_Normalize"), withIntermediateDirectories: true)
        modules.append(["idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"])
      }
      try Self.jsonData(modules).write(to: tmp.appendingPathComponent("modules.json"))
      try Self.jsonData(["max_seq_length": maxSeq, "do_lower_case": false]).write(
        to: tmp.appendingPathComponent("sentence_bert_config.json"))
      var stConfig: [String: Any] = [
        "prompts": layout.prompts, "default_prompt_name": layout.defaultPromptName.map { $0 as Any } ?? NSNull(), "similarity_fn_name": "cosine",
        "__version__": ["sentence_transformers": "3.0.0"],
      ]
      // as sentence-transformers saves it: only when set
      if let d = layout.truncateDim { stConfig["truncate_dim"] = d }
      try Self.jsonData(stConfig).write(to: tmp.appendingPathComponent("config_sentence_transformers.json"))
      try Self.jsonData([
        "word_embedding_dimension": c.hiddenSize,
        "pooling_mode_cls_token": layout.pooling == .cls, "pooling_mode_mean_tokens": layout.pooling == .mean,
        "pooling_mode_max_tokens": layout.pooling == .max, "pooling_mode_mean_sqrt_len_tokens": false,
        "pooling_mode_weightedmean_tokens": false, "pooling_mode_lasttoken": false, "include_prompt": true,
      ] as [String: Any]).write(to: tmp.appendingPathComponent("1_Pooling/config.json"))
      for (name, data) in extraFiles { try data.write(to: tmp.appendingPathComponent(name)) }
      if overwrite, fm.fileExists(atPath: output) { try fm.removeItem(at: dest) }
      try fm.moveItem(at: tmp, to: dest)
    } catch {
      try? fm.removeItem(at: tmp)
      throw error
    }
  }
}
