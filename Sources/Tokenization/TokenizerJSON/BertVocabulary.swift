import Foundation

extension TokenizerJSON {
  /// The tokenizer.json transformers makes of a BERT `vocab.txt` (`BertTokenizerFast` through
  /// its BertConverter) with the settings of `tokenizer_config.json`: WordPiece over the
  /// vocabulary (a token a line, its id the line's index, a repeated token taking its last
  /// line, as BertTokenizer's load_vocab does), BertNormalizer (clean_text; handle_chinese_chars
  /// = tokenize_chinese_chars, default true; strip_accents, default null: as lowercase;
  /// lowercase = do_lower_case, default true), BertPreTokenizer, `[CLS] A [SEP]` and
  /// `[CLS] A [SEP] B [SEP]` with B and its `[SEP]` of type 1, and the five special tokens as
  /// added tokens. `config` is tokenizer_config.json's data (nil: none; the defaults apply).
  /// Errors name the file and the key or line.
  public static func bertJSON(vocabulary: Data, vocabularyPath: String, config: Data?, configPath: String) throws -> Data {
    var settings: [String: Any] = [:]
    if let config {
      guard let object = (try? JSONSerialization.jsonObject(with: config)) as? [String: Any] else {
        throw TokenizationError.badTokenizer(path: configPath, reason: "not a JSON object")
      }
      settings = object
    }
    func flag(_ key: String, default value: Bool?) throws -> Bool? {
      guard let v = settings[key], !(v is NSNull) else { return value }
      guard let b = v as? Bool else { throw TokenizationError.badTokenizer(path: configPath, reason: "key '\(key)': expected true, false or null") }
      return b
    }
    func token(_ key: String, default value: String) throws -> String {
      guard let v = settings[key], !(v is NSNull) else { return value }
      if let s = v as? String { return s }
      if let s = (v as? [String: Any])?["content"] as? String { return s }  // an AddedToken written out
      throw TokenizationError.badTokenizer(path: configPath, reason: "key '\(key)': expected a token")
    }
    if let c = settings["tokenizer_class"] as? String, !["Bert", "Electra"].contains(where: { c.contains($0) }) {
      throw TokenizationError.badTokenizer(
        path: configPath, reason: "key 'tokenizer_class': '\(c)' with vocab.txt is not supported (supported: BertTokenizer and its kind)")
    }
    if try flag("do_basic_tokenize", default: true) == false {
      throw TokenizationError.badTokenizer(path: configPath, reason: "key 'do_basic_tokenize': false is not supported")
    }
    let lowercase = try flag("do_lower_case", default: true)!
    let chinese = try flag("tokenize_chinese_chars", default: true)!
    let strip = try flag("strip_accents", default: nil)

    var vocab: [String: Int] = [:]
    for (i, line) in Self.lines(vocabulary).enumerated() {
      guard let token = String(validating: line, as: UTF8.self) else {
        throw TokenizationError.badTokenizer(path: vocabularyPath, reason: "line \(i + 1): not UTF-8 text")
      }
      vocab[token] = i
    }
    guard !vocab.isEmpty else { throw TokenizationError.badTokenizer(path: vocabularyPath, reason: "no tokens") }

    var specials: [(key: String, token: String, id: Int)] = []
    for (key, fallback) in [("unk_token", "[UNK]"), ("sep_token", "[SEP]"), ("pad_token", "[PAD]"), ("cls_token", "[CLS]"), ("mask_token", "[MASK]")] {
      let t = try token(key, default: fallback)
      guard let id = vocab[t] else {
        throw TokenizationError.badTokenizer(path: vocabularyPath, reason: "\(key) '\(t)' (tokenizer_config.json) is not in the vocabulary")
      }
      specials.append((key, t, id))
    }
    let added: [[String: Any]] = Dictionary(specials.map { ($0.id, $0.token) }, uniquingKeysWith: { a, _ in a })
      .sorted { $0.key < $1.key }
      .map { ["id": $0.key, "content": $0.value, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true] }
    let cls = specials[3], sep = specials[1]
    func special(_ t: String, _ type: Int) -> [String: Any] { ["SpecialToken": ["id": t, "type_id": type]] }
    func sequence(_ s: String, _ type: Int) -> [String: Any] { ["Sequence": ["id": s, "type_id": type]] }
    let json: [String: Any] = [
      "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
      "normalizer": [
        "type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": chinese,
        "strip_accents": strip.map { $0 as Any } ?? NSNull(), "lowercase": lowercase,
      ] as [String: Any],
      "pre_tokenizer": ["type": "BertPreTokenizer"],
      "post_processor": [
        "type": "TemplateProcessing",
        "single": [special(cls.token, 0), sequence("A", 0), special(sep.token, 0)],
        "pair": [special(cls.token, 0), sequence("A", 0), special(sep.token, 0), sequence("B", 1), special(sep.token, 1)],
        "special_tokens": [
          cls.token: ["id": cls.token, "ids": [cls.id], "tokens": [cls.token]],
          sep.token: ["id": sep.token, "ids": [sep.id], "tokens": [sep.token]],
        ],
      ] as [String: Any],
      "decoder": ["type": "WordPiece", "prefix": "##", "cleanup": true] as [String: Any],
      "model": [
        "type": "WordPiece", "unk_token": specials[0].token, "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
        "vocab": vocab,
      ] as [String: Any],
    ]
    return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
  }

  /// The lines of a text file as Python's `readlines()` in text mode gives them: split after
  /// `\n`, `\r\n` or `\r`, without the line break; no line after a final break.
  static func lines(_ data: Data) -> [ArraySlice<UInt8>] {
    let bytes = [UInt8](data)
    var out: [ArraySlice<UInt8>] = []
    var start = 0, i = 0
    while i < bytes.count {
      if bytes[i] == 0x0A || bytes[i] == 0x0D {
        out.append(bytes[start..<i])
        i += bytes[i] == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A ? 2 : 1
        start = i
      } else {
        i += 1
      }
    }
    if start < bytes.count { out.append(bytes[start...]) }
    return out
  }
}
