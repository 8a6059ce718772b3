import Foundation
import Tokenization

extension VocabularyTrim {
  /// What a trim did.
  public struct Summary: Sendable {
    /// Distinct corpus texts, and the distinct tokens they gave.
    public var texts: Int, tokensSeen: Int
    public var vocabularyBefore: Int, vocabularyAfter: Int
    public var parametersBefore: Int, parametersAfter: Int
  }

  /// Writes the model of directory `model` trimmed to the tokens of `texts` (each with its
  /// number of occurrences; tokenized alone and after each of `prompts`) as an ordinary Hugging
  /// Face / sentence-transformers directory at `output`, which must not exist: config.json with
  /// the new vocab_size, model.safetensors, the trimmed sentencepiece.bpe.model and the
  /// tokenizer.json made of it (a base with only a tokenizer.json: that file trimmed, see
  /// `TokenizerJSON.trimmed`, with the base's tokenizer_config.json and special_tokens_map.json),
  /// the sentence-transformers files and a model card. With
  /// `keepTop`, only the `keepTop` most frequent tokens (and the specials) are kept; with
  /// `frequencies`, a TSV of every token seen (id, piece, count, new id; most frequent first; a
  /// backslash, tab, newline or carriage return in a piece escaped as `\\`, `\t`, `\n`, `\r`) is
  /// written there.
  public static func trim(
    model: SentenceEncoder, texts: [String: Int], prompts: [String], keepTop: Int? = nil, frequencies: String? = nil,
    output: String, progress: ((Int) -> Void)? = nil
  ) throws -> Summary {
    guard !FileManager.default.fileExists(atPath: output) else {
      throw TextEncoderError.cannotRead(path: output, reason: "output directory already exists; trim writes a new one")
    }
    let directory = URL(fileURLWithPath: model.directory)
    let counts: [Int], oldIds: [Int32], files: TokenizerFiles, name: (Int) -> String
    var extraFiles: [String: Data] = [:]
    switch model.tokenizer.backend {
    case .sentencePiece(let spm):
      let spmData = try Data(contentsOf: URL(fileURLWithPath: spm.path))
      let pieces = try SentencePieceTrim.pieces(of: spmData, path: spm.path)
      counts = Self.counts(of: texts, prompts: prompts, tokenizer: model.tokenizer, vocabularySize: pieces.count + 2, progress: progress)
      let plan = sentencePiecePlan(pieces: pieces, counts: counts, keepTop: keepTop)
      files = try .sentencePiece(try SentencePieceTrim.trimmed(spmData, path: spm.path, keeping: plan.sentencePieceIds))
      oldIds = plan.oldIds
      name = { id in id < 4 ? ["<s>", "<pad>", "</s>", "<unk>"][id] : id - 1 < pieces.count ? pieces[id - 1].piece : "<mask>" }
    case .tokenizerJSON(let json):
      counts = Self.counts(of: texts, prompts: prompts, tokenizer: model.tokenizer, vocabularySize: json.vocabularySize, progress: progress)
      let trimmed = try json.trimmed(keeping: Set(mostFrequent(counts, among: Array(counts.indices), keepTop: keepTop).map { Int32($0) }))
      files = .tokenizerJSON(trimmed.json)
      oldIds = trimmed.oldIds
      let tokens = try json.tokens()
      name = { tokens[Int32($0)] ?? "" }
      extraFiles = try Self.tokenizerSettings(of: directory, oldIds: oldIds)
      // A WordPiece model also gets its vocab.txt (what BertTokenizer, the slow tokenizer its
      // tokenizer_config.json names, reads; BertTokenizerFast writes one too).
      let trimmedJSON = try TokenizerJSON(data: trimmed.json, path: directory.appendingPathComponent("tokenizer.json").path)
      if let vocabulary = try trimmedJSON.wordPieceVocabulary() { extraFiles["vocab.txt"] = vocabulary }
    }
    let encoder = try trimmedEncoder(model.encoder, rows: oldIds)
    if let frequencies {
      let newIds = Dictionary(uniqueKeysWithValues: oldIds.enumerated().map { ($0.element, $0.offset) })
      var table = "id\tpiece\tcount\tnew_id\n"
      for id in mostFrequent(counts, among: Array(counts.indices), keepTop: nil) {
        let piece = name(id).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
          .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        table += "\(id)\t\(piece)\t\(counts[id])\t\(newIds[Int32(id)].map(String.init) ?? "")\n"
      }
      try Data(table.utf8).write(to: URL(fileURLWithPath: frequencies))
    }
    var writer = ModelDirectoryWriter(
      layout: SentenceTransformersLayout(
        pooling: model.pooling, normalize: model.normalize, maxSeqLength: model.maxSeqLength, prompts: model.prompts,
        defaultPromptName: model.defaultPromptName))
    let summary = Summary(
      texts: texts.count, tokensSeen: counts.filter { $0 > 0 }.count, vocabularyBefore: model.config.vocabSize,
      vocabularyAfter: oldIds.count, parametersBefore: parameterCount(model.encoder), parametersAfter: parameterCount(encoder))
    writer.extraFiles = extraFiles
    writer.extraFiles["README.md"] = Data(card(base: directory.lastPathComponent, summary: summary, keepTop: keepTop).utf8)
    try writer.write(encoder: encoder, tokenizer: files, to: output)
    return summary
  }

  /// The base's tokenizer settings as they were (tokenizer class, specials, casing):
  /// tokenizer_config.json, its `added_tokens_decoder` (keyed by id) renumbered to the new ids
  /// (`oldIds[new]` is the old id of each), and special_tokens_map.json, or one of the `*_token`
  /// keys of tokenizer_config.json where the base has none (the writer's default names XLM-R's
  /// specials, which transformers would add to another vocabulary).
  static func tokenizerSettings(of directory: URL, oldIds: [Int32]) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let configURL = directory.appendingPathComponent("tokenizer_config.json")
    let config = FileManager.default.contents(atPath: configURL.path)
    // nil where there is no file or it is no JSON object: then it is copied as it is, and refused
    // only below, where its keys would be needed
    let settings = config.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    files["tokenizer_config.json"] = config
    if var object = settings, let decoder = object["added_tokens_decoder"] as? [String: Any] {
      let newIds = Dictionary(uniqueKeysWithValues: oldIds.enumerated().map { ($0.element, $0.offset) })
      var renumbered: [String: Any] = [:]
      for (key, token) in decoder {
        guard let old = Int32(key), let new = newIds[old] else {
          throw TextEncoderError.badConfig(
            path: configURL.path, key: "added_tokens_decoder.\(key)", detail: "not an id of the tokenizer's added tokens")
        }
        renumbered[String(new)] = token
      }
      object["added_tokens_decoder"] = renumbered
      files["tokenizer_config.json"] = try ModelDirectoryWriter.jsonData(object)
    }
    if let map = FileManager.default.contents(atPath: directory.appendingPathComponent("special_tokens_map.json").path) {
      files["special_tokens_map.json"] = map
    } else {
      guard config == nil || settings != nil else {
        throw TextEncoderError.badConfig(path: configURL.path, key: "(root)", detail: "not a JSON object")
      }
      let names = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
      let specials = (settings ?? [:]).filter { names.contains($0.key) && !($0.value is NSNull) }
      files["special_tokens_map.json"] = try ModelDirectoryWriter.jsonData(specials)
    }
    return files
  }

  /// The trimmed model's card: its base by directory name, what was kept and the sizes.
  static func card(base: String, summary s: Summary, keepTop: Int?) -> String {
    var card = "---\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\ntags:\n- vocabulary-trimmed\n---\n\n"
    card += "# \(base), vocabulary trimmed\n\n"
    card += "`trainer trim` kept the special tokens and "
    card += keepTop.map { "the \($0) most frequent tokens" } ?? "every token"
    card += " its tokenizer produces on \(s.texts) distinct corpus texts (\(s.tokensSeen) distinct tokens seen): "
    card += "\(s.vocabularyAfter) of \(s.vocabularyBefore) tokens, \(s.parametersAfter) of \(s.parametersBefore) parameters. "
    card += keepTop == nil
      ? "Texts of the corpus tokenize to the same tokens under new ids and embed as with the base model.\n"
      : "Texts of the corpus whose tokens were all kept tokenize to the same tokens under new ids and embed as with the base model.\n"
    return card
  }
}
