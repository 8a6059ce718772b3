import Foundation
import Tokenization

/// Vocabulary trimming: a model keeps its special tokens and the tokens its tokenizer produces on
/// some corpora, so that every text of those corpora gives the same tokens under new ids and the
/// same embedding, with a smaller embedding table.
///
/// For XLM-R's SentencePiece model (unigram): the kept pieces stay in their order with their
/// scores; `<s>`, `<pad>`, `</s>`, `<unk>` keep ids 0–3 and `<mask>` follows the pieces. Every
/// piece that is not a normal one (unknown, control, user-defined, byte) is kept, and so is the
/// normal piece of lowest score: the unigram model's unknown-character penalty is that score minus
/// 10, so keeping it keeps every segmentation's score as it was. A segmentation of a corpus text
/// uses only kept pieces, and any other segmentation the trimmed model allows scores no higher
/// under the full model, so the best one stays the same; text outside the corpora falls back to
/// shorter pieces or `<unk>`. A model with only a tokenizer.json: see `TokenizerJSON.trimmed`.
public enum VocabularyTrim {
  /// The plan: old id of each new id, and the SentencePiece ids the trimmed model keeps.
  public struct Plan: Sendable, Equatable {
    /// The old token id (embedding row) of each new id.
    public let oldIds: [Int32]
    /// The SentencePiece ids of the kept pieces, ascending.
    public let sentencePieceIds: [Int]

    /// The new id of each old id that is kept.
    public var newIds: [Int32: Int32] {
      Dictionary(uniqueKeysWithValues: oldIds.enumerated().map { ($0.element, Int32($0.offset)) })
    }
  }

  /// How often each token id occurs in the tokenizations of `texts` (each `count` times), alone
  /// and after each of `prompts` (without the specials around a sequence). Indexed by id, of
  /// length `vocabularySize`; ids beyond it are not counted.
  public static func counts(
    of texts: [String: Int], prompts: [String], tokenizer: Tokenizer, vocabularySize: Int, progress: ((Int) -> Void)? = nil
  ) -> [Int] {
    var counts = [Int](repeating: 0, count: vocabularySize)
    for (done, (text, n)) in texts.enumerated() {
      for prefix in [""] + prompts {
        for id in tokenizer.pieceIds(prefix + text) where id >= 0 && Int(id) < vocabularySize { counts[Int(id)] += n }
      }
      if done % 1000 == 999 { progress?(done + 1) }
    }
    progress?(texts.count)
    return counts
  }

  /// The plan for XLM-R's SentencePiece tokenizer: specials, every piece that is not a normal
  /// one, the normal piece of lowest score, and the pieces `counts` (by XLM-R id) has seen, or,
  /// with `keepTop`, the `keepTop` most frequent of them (ties to the lower id).
  public static func sentencePiecePlan(pieces: [SentencePieceTrim.Piece], counts: [Int], keepTop: Int? = nil) -> Plan {
    let xlmr = { (sp: Int) in sp + 1 }  // XLM-R id of SentencePiece id ≥ 3
    let normal = (3..<pieces.count).filter { pieces[$0].isNormal && xlmr($0) < counts.count }
    let seen = mostFrequent(counts, among: normal.map(xlmr), keepTop: keepTop).map { $0 - 1 }
    var keep = Set(seen).union(0..<min(3, pieces.count))
    keep.formUnion(pieces.indices.filter { !pieces[$0].isNormal })
    if let lowest = pieces.indices.filter({ pieces[$0].isNormal }).min(by: { (pieces[$0].score, $0) < (pieces[$1].score, $1) }) {
      keep.insert(lowest)
    }
    let spIds = keep.sorted()
    let old = [0, 1, 2, 3] + spIds.filter { $0 >= 3 }.map { Int32(xlmr($0)) } + [Int32(pieces.count + 1)]
    return Plan(oldIds: old, sentencePieceIds: spIds)
  }

  /// The ids among `candidates` that `counts` has seen, most frequent first (ties to the lower
  /// id); with `keepTop`, only the first `keepTop` of them.
  public static func mostFrequent(_ counts: [Int], among candidates: [Int], keepTop: Int?) -> [Int] {
    let seen = candidates.filter { $0 >= 0 && $0 < counts.count && counts[$0] > 0 }.sorted { (counts[$0], -$0) > (counts[$1], -$1) }
    return keepTop.map { Array(seen.prefix(max($0, 0))) } ?? seen
  }

  /// An encoder of `encoder`'s weights whose embedding table holds the rows `oldIds` lists, in
  /// that order (`vocab_size` their count); every other parameter and the pooler as they were.
  public static func trimmedEncoder(_ encoder: Encoder, rows oldIds: [Int32]) throws -> Encoder {
    var config = encoder.config
    let C = config.hiddenSize
    if let bad = oldIds.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
      throw TextEncoderError.tokenOutOfRange(detail: "token \(bad) is not a row of the embedding table (vocab_size \(config.vocabSize))")
    }
    config.vocabSize = oldIds.count
    let out = Encoder(config: config)
    for view in out.store.views {
      let source = encoder.store.pointer(view.name), target = out.store.pointer(view.name)
      if view.name == WeightNames.wordEmbeddings {
        for (row, old) in oldIds.enumerated() { (target + row * C).update(from: source + Int(old) * C, count: C) }
      } else {
        target.update(from: source, count: view.count)
      }
    }
    out.pooler = encoder.pooler
    return out
  }

  /// The parameters of an encoder as transformers counts them: every tensor, the pooler included.
  public static func parameterCount(_ encoder: Encoder) -> Int {
    encoder.store.count + (encoder.config.numLabels == nil ? encoder.config.hiddenSize * (encoder.config.hiddenSize + 1) : 0)
  }
}
