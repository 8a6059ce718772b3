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
  /// tokenizer.json made of it, the sentence-transformers files and a model card. With
  /// `keepTop`, only the `keepTop` most frequent tokens (and the specials) are kept; with
  /// `frequencies`, a TSV of every token seen (id, piece, count, new id) is written there.
  public static func trim(
    model: SentenceEncoder, texts: [String: Int], prompts: [String], keepTop: Int? = nil, frequencies: String? = nil,
    output: String, progress: ((Int) -> Void)? = nil
  ) throws -> Summary {
    guard !FileManager.default.fileExists(atPath: output) else {
      throw TextEncoderError.cannotRead(path: output, reason: "output directory already exists; trim writes a new one")
    }
    let directory = URL(fileURLWithPath: model.directory)
    guard let spm = model.tokenizer.model else {
      throw TextEncoderError.unsupported(
        path: model.tokenizer.path, key: "tokenizer", value: "tokenizer.json without sentencepiece.bpe.model",
        supported: "XLM-R's sentencepiece.bpe.model")
    }
    let spmData = try Data(contentsOf: URL(fileURLWithPath: spm.path))
    let pieces = try SentencePieceTrim.pieces(of: spmData, path: spm.path)
    let counts = Self.counts(
      of: texts, prompts: prompts, tokenizer: model.tokenizer, vocabularySize: pieces.count + 2, progress: progress)
    let plan = sentencePiecePlan(pieces: pieces, counts: counts, keepTop: keepTop)
    let trimmedModel = try SentencePieceTrim.trimmed(spmData, path: spm.path, keeping: plan.sentencePieceIds)
    let encoder = try trimmedEncoder(model.encoder, rows: plan.oldIds)
    if let frequencies {
      let newIds = plan.newIds
      var table = "id\tpiece\tcount\tnew_id\n"
      for id in counts.indices.filter({ counts[$0] > 0 }).sorted(by: { (counts[$0], -$0) > (counts[$1], -$1) }) {
        let piece = id < 4 ? ["<s>", "<pad>", "</s>", "<unk>"][id] : id - 1 < pieces.count ? pieces[id - 1].piece : "<mask>"
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
      vocabularyAfter: plan.oldIds.count, parametersBefore: parameterCount(model.encoder), parametersAfter: parameterCount(encoder))
    writer.extraFiles["README.md"] = Data(card(base: directory.lastPathComponent, summary: summary, keepTop: keepTop).utf8)
    try writer.write(encoder: encoder, tokenizer: try .sentencePiece(trimmedModel), to: output)
    return summary
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
