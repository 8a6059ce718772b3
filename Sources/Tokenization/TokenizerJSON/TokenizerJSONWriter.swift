import Foundation

extension TokenizerJSON {
  /// The tokenizer.json transformers writes for an XLM-R SentencePiece model
  /// (`XLMRobertaTokenizerFast`, transformers 5): a Unigram model whose vocabulary is `<s>`,
  /// `<pad>`, `</s>`, `<unk>`, the SentencePiece pieces after its first three (its `<unk>`,
  /// `<s>`, `</s>`) with their scores, then `<mask>`; the model's precompiled normalizer;
  /// WhitespaceSplit and Metaspace (`▁`, always prepended); `<s> A </s>` and
  /// `<s> A </s></s> B </s>`; the five specials as added tokens.
  public static func xlmRobertaJSON(sentencePieceModel data: Data, path: String) throws -> Data {
    let proto = try SentencePieceProto(data: data, path: path)
    var vocab: [[Any]] = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    for p in proto.pieces.dropFirst(3) { vocab.append([p.piece, Double(p.score)]) }
    vocab.append(["<mask>", 0.0])
    let specials: [(String, Int)] = [("<s>", 0), ("<pad>", 1), ("</s>", 2), ("<unk>", 3), ("<mask>", vocab.count - 1)]
    let added: [[String: Any]] = specials.map {
      ["id": $0.1, "content": $0.0, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true]
    }
    let metaspace: [String: Any] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true]
    func special(_ t: String) -> [String: Any] { ["SpecialToken": ["id": t, "type_id": 0]] }
    func sequence(_ s: String) -> [String: Any] { ["Sequence": ["id": s, "type_id": 0]] }
    let json: [String: Any] = [
      "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
      "normalizer": proto.charsmap.isEmpty
        ? NSNull() : ["type": "Precompiled", "precompiled_charsmap": proto.charsmap.base64EncodedString()] as [String: Any],
      "pre_tokenizer": ["type": "Sequence", "pretokenizers": [["type": "WhitespaceSplit"], metaspace]] as [String: Any],
      "post_processor": [
        "type": "TemplateProcessing",
        "single": [special("<s>"), sequence("A"), special("</s>")],
        "pair": [special("<s>"), sequence("A"), special("</s>"), special("</s>"), sequence("B"), special("</s>")],
        "special_tokens": [
          "<s>": ["id": "<s>", "ids": [0], "tokens": ["<s>"]], "</s>": ["id": "</s>", "ids": [2], "tokens": ["</s>"]],
        ],
      ] as [String: Any],
      "decoder": metaspace,
      "model": ["type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": false] as [String: Any],
    ]
    return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
  }
}
