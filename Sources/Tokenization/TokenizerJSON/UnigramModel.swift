/// Unigram (SentencePiece): the segmentation of highest total score (Viterbi over the pieces
/// that start at each scalar); a scalar no piece starts with costs the lowest score minus 10 and
/// becomes the unknown token, consecutive unknowns fused into one, or their UTF-8 bytes as
/// `<0xXX>` tokens under `byte_fallback`.
struct UnigramModel: Sendable {
  let trie: ByteTrie
  let scores: [Double]
  let unk: Int32
  let unkScore: Double
  let byteTokens: [Int32]?

  init(_ node: JSONNode) throws {
    let vocabNode = try node.require("vocab")
    var keys: [([UInt8], Int32)] = []
    var scores: [Double] = []
    var lookup: [String: Int32] = [:]
    for entry in try vocabNode.array() {
      let pair = try entry.array()
      guard pair.count == 2 else { throw entry.error("expected [piece, score]") }
      let piece = try pair[0].string()
      keys.append((Array(piece.utf8), Int32(scores.count)))
      lookup[piece] = Int32(scores.count)
      scores.append(try pair[1].double())
    }
    guard !scores.isEmpty else { throw vocabNode.error("empty vocabulary") }
    trie = ByteTrie(keys)
    self.scores = scores
    let unkField = try node.require("unk_id")
    unk = Int32(try unkField.int(in: 0...(scores.count - 1)))
    unkScore = (scores.min() ?? 0) - 10
    if try node.optionalBool("byte_fallback", default: false) {
      byteTokens = (0..<256).compactMap { lookup["<0x" + String(format2: $0) + ">"] }
      if byteTokens?.count != 256 { throw node.error("byte_fallback needs the 256 tokens <0x00> ... <0xFF>") }
    } else {
      byteTokens = nil
    }
  }

  func encode(_ word: NormalizedText, into out: inout [Int32]) {
    let bytes = Array(word.string.utf8)
    let n = bytes.count
    guard n > 0 else { return }
    var score = [Double](repeating: 0, count: n + 1)
    var from = [Int](repeating: -1, count: n + 1)
    var ids = [Int32](repeating: 0, count: n + 1)
    var start = 0
    while start < n {
      let here = score[start]
      let charLength = Self.utf8Length(bytes[start])
      var single = false
      var node = ByteTrie.root
      var i = start
      while i < n, let next = trie.child(node, bytes[i]) {
        node = next
        i += 1
        if let id = trie.value(at: node) {
          let candidate = scores[Int(id)] + here
          if from[i] < 0 || candidate > score[i] {
            score[i] = candidate
            from[i] = start
            ids[i] = id
          }
          if i - start == charLength { single = true }
        }
      }
      let end = min(start + charLength, n)
      if !single {
        let candidate = unkScore + here
        if from[end] < 0 || candidate > score[end] {
          score[end] = candidate
          from[end] = start
          ids[end] = unk
        }
      }
      start = end
    }
    // Back from the end: pieces, with runs of unknowns fused.
    var pieces: [(Range<Int>, Int32?)] = []
    var end = n
    var unknownEnd: Int? = nil
    while end > 0 {
      let s = max(0, from[end])
      if ids[end] == unk {
        if unknownEnd == nil { unknownEnd = end }
      } else {
        if let u = unknownEnd { pieces.append((end..<u, nil)) }
        unknownEnd = nil
        pieces.append((s..<end, ids[end]))
      }
      end = s
    }
    if let u = unknownEnd { pieces.append((0..<u, nil)) }
    for (range, id) in pieces.reversed() {
      if let id {
        out.append(id)
      } else if let id = trie.lookup(bytes[range]) {
        out.append(id)
      } else if let byteTokens {
        for b in bytes[range] { out.append(byteTokens[Int(b)]) }
      } else {
        out.append(unk)
      }
    }
  }

  /// The length of a UTF-8 sequence from its first byte (1 for a stray continuation byte).
  static func utf8Length(_ b: UInt8) -> Int {
    b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
  }
}

extension String {
  /// Two upper-case hex digits.
  init(format2 b: Int) {
    let digits = Array("0123456789ABCDEF")
    self = String([digits[(b >> 4) & 15], digits[b & 15]])
  }
}
