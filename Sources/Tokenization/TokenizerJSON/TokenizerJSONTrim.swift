import Foundation

extension TokenizerJSON {
  /// The ids a trimmed tokenizer.json keeps besides the tokens of the corpus, and the file with
  /// only those: the added tokens, the post-processor's specials and the unknown token always;
  /// Unigram also its piece of lowest score (the unknown penalty is that score minus 10, so
  /// every segmentation scores as before) and its `<0xXX>` tokens under `byte_fallback`; BPE
  /// also every token of one character (the alphabet, all 256 of a byte-level model), its
  /// `<0xXX>` tokens, and every token a kept one is merged from, keeping the merges among kept
  /// tokens in their order. Kept tokens are renumbered in the order of their old ids, and every
  /// id in the file (vocabulary, `unk_id`, added tokens, post-processor, padding) follows.
  ///
  /// A text whose tokens are all kept gets the same tokens: Unigram's best segmentation stays
  /// the best, WordPiece's longest match from the left is still the longest, and BPE applies
  /// the same merges, each of them kept. Other text falls back as the model defines: shorter
  /// pieces and the unknown token.
  ///
  /// Returns the new file and the old id of each new id.
  public func trimmed(keeping used: Set<Int32>) throws -> (json: Data, oldIds: [Int32]) {
    guard var root = try JSONSerialization.jsonObject(with: Self.escapingByteOrderMarks(source)) as? [String: Any],
      var model = root["model"] as? [String: Any]
    else { throw TokenizationError.badTokenizer(path: path, reason: "expected an object with a model") }
    var keep = used.filter { $0 >= 0 && Int($0) < vocabularySize }
    keep.formUnion(added.all.map(\.id))
    for piece in postProcessor.single + postProcessor.pair { if case .special(let ids, _) = piece { keep.formUnion(ids) } }
    if let unk = unknownId { keep.insert(unk) }
    let byteTokens = (0..<256).compactMap { id(of: "<0x" + String(format2: $0) + ">") }
    switch self.model {
    case .unigram(let m):
      if let lowest = m.scores.indices.min(by: { (m.scores[$0], $0) < (m.scores[$1], $1) }) { keep.insert(Int32(lowest)) }
      if m.byteTokens != nil { keep.formUnion(byteTokens) }
    case .bpe(let m):
      if m.byteFallback { keep.formUnion(byteTokens) }
      for (token, id) in m.vocab {
        var t = Substring(token)
        if let p = m.prefix, t.hasPrefix(p), t.count > p.count { t = t.dropFirst(p.count) }
        if let s = m.suffix, t.hasSuffix(s), t.count > s.count { t = t.dropLast(s.count) }
        if t.unicodeScalars.count == 1 { keep.insert(id) }
      }
      keep = try mergeClosure(keep, model: model)
    case .wordPiece:
      break
    }
    let oldIds = keep.sorted()
    let newId = Dictionary(uniqueKeysWithValues: oldIds.enumerated().map { ($0.element, $0.offset) })
    func renumber(_ v: Any?) -> Int? { (v as? NSNumber).flatMap { newId[Int32(truncatingIfNeeded: $0.intValue)] } }

    if let vocab = model["vocab"] as? [Any] {  // Unigram: [piece, score] by id
      model["vocab"] = oldIds.filter { Int($0) < vocab.count }.map { vocab[Int($0)] }
      if let unk = renumber(model["unk_id"]) { model["unk_id"] = unk }
    } else if let vocab = model["vocab"] as? [String: Any] {  // WordPiece, BPE: token → id
      var out: [String: Int] = [:]
      for (token, id) in vocab { if let n = renumber(id) { out[token] = n } }
      model["vocab"] = out
      if let merges = model["merges"] as? [Any] {
        model["merges"] = merges.filter { entry in
          guard let (a, b, merged) = mergeParts(entry, prefix: model["continuing_subword_prefix"] as? String) else { return false }
          return [a, b, merged].allSatisfy { out[$0] != nil }
        }
      }
    }
    root["model"] = model
    if let tokens = root["added_tokens"] as? [[String: Any]] {
      root["added_tokens"] = tokens.map { t in
        var t = t
        if let n = renumber(t["id"]) { t["id"] = n }
        return t
      }
    }
    if let post = root["post_processor"] { root["post_processor"] = Self.renumbered(post: post, renumber) }
    if var padding = root["padding"] as? [String: Any], let n = renumber(padding["pad_id"]) {
      padding["pad_id"] = n
      root["padding"] = padding
    }
    let json = try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])
    return (json, oldIds)
  }

  /// The left part, right part and result of a BPE merge entry ("a b" or ["a", "b"]).
  private func mergeParts(_ entry: Any, prefix: String?) -> (String, String, String)? {
    let parts: [String]
    if let pair = entry as? [String] {
      parts = pair
    } else if let s = entry as? String {
      parts = s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    } else {
      return nil
    }
    guard parts.count == 2 else { return nil }
    let merged = parts[0] + String(decoding: parts[1].utf8.dropFirst(prefix?.utf8.count ?? 0), as: UTF8.self)
    return (parts[0], parts[1], merged)
  }

  /// `keep` with every token a kept token is merged from, to the bottom.
  private func mergeClosure(_ keep: Set<Int32>, model: [String: Any]) throws -> Set<Int32> {
    let prefix = model["continuing_subword_prefix"] as? String
    var producers: [Int32: [(Int32, Int32)]] = [:]
    for entry in model["merges"] as? [Any] ?? [] {
      guard let (a, b, merged) = mergeParts(entry, prefix: prefix), let ia = id(of: a), let ib = id(of: b), let im = id(of: merged)
      else { continue }
      producers[im, default: []].append((ia, ib))
    }
    var out = keep
    var work = Array(keep)
    while let t = work.popLast() {
      for (a, b) in producers[t] ?? [] {
        for part in [a, b] where out.insert(part).inserted { work.append(part) }
      }
    }
    return out
  }

  /// A post-processor's JSON with its special tokens' ids renumbered (TemplateProcessing's
  /// `special_tokens`, BertProcessing's and RobertaProcessing's `sep` and `cls`, a Sequence's
  /// processors).
  static func renumbered(post: Any, _ renumber: (Any?) -> Int?) -> Any {
    guard var p = post as? [String: Any] else { return post }
    if var specials = p["special_tokens"] as? [String: Any] {
      for (name, value) in specials {
        guard var s = value as? [String: Any], let ids = s["ids"] as? [Any] else { continue }
        s["ids"] = ids.map { renumber($0) ?? -1 }
        specials[name] = s
      }
      p["special_tokens"] = specials
    }
    for key in ["sep", "cls"] {
      if let pair = p[key] as? [Any], pair.count == 2, let n = renumber(pair[1]) { p[key] = [pair[0], n] }
    }
    if let processors = p["processors"] as? [Any] { p["processors"] = processors.map { renumbered(post: $0, renumber) } }
    return p
  }
}

extension TokenizerJSON {
  /// The token of each id: the model's vocabulary and the added tokens.
  public func tokens() throws -> [Int32: String] {
    guard let root = try JSONSerialization.jsonObject(with: Self.escapingByteOrderMarks(source)) as? [String: Any],
      let model = root["model"] as? [String: Any]
    else { throw TokenizationError.badTokenizer(path: path, reason: "not an object with a model") }
    var out: [Int32: String] = [:]
    if let vocab = model["vocab"] as? [Any] {
      for (i, entry) in vocab.enumerated() { if let s = (entry as? [Any])?.first as? String { out[Int32(i)] = s } }
    } else if let vocab = model["vocab"] as? [String: Any] {
      for (token, id) in vocab { if let n = id as? NSNumber { out[Int32(truncatingIfNeeded: n.intValue)] = token } }
    }
    for t in added.all { out[t.id] = t.text }
    return out
  }
}

extension TokenizerJSON {
  /// The `vocab.txt` of a WordPiece model (a token a line, its id the line's index; the added
  /// tokens inside the vocabulary's range included), or nil for Unigram and BPE. A gap in the
  /// ids cannot be written as lines and is an error.
  public func wordPieceVocabulary() throws -> Data? {
    guard case .wordPiece = model else { return nil }
    let tokens = try tokens()
    var text = ""
    for id in 0..<Int32(tokens.count) {
      guard let token = tokens[id], !token.contains("\n") else {
        throw TokenizationError.badTokenizer(path: path, reason: "id \(id): no token, or one with a line break; vocab.txt cannot hold it")
      }
      text += token + "\n"
    }
    return Data(text.utf8)
  }
}
