/// WordPiece (BERT): each word split greedily into the longest vocabulary tokens from the left,
/// continuations carrying the prefix (`##`); a word longer than `max_input_chars_per_word`
/// scalars, or one that cannot be split, is the unknown token.
struct WordPieceModel: Sendable {
  let trie: ByteTrie
  let continuationNode: Int?
  let unk: Int32
  let maxChars: Int

  init(_ node: JSONNode, vocab: [String: Int32]) throws {
    trie = ByteTrie(vocab.map { (Array($0.key.utf8), $0.value) })
    let prefix = try node.optionalString("continuing_subword_prefix") ?? "##"
    continuationNode = trie.walk(prefix.utf8)
    let unkField = try node.require("unk_token")
    let unkToken = try unkField.string()
    guard let u = vocab[unkToken] else { throw unkField.error("\"\(unkToken)\" is not in the vocabulary") }
    unk = u
    maxChars = try node.optional("max_input_chars_per_word")?.int() ?? 100
  }

  func encode(_ word: NormalizedText, into out: inout [Int32]) {
    guard word.scalars.count <= maxChars else {
      out.append(unk)
      return
    }
    let bytes = Array(word.string.utf8)
    var pieces: [Int32] = []
    var start = 0
    while start < bytes.count {
      guard var node = start == 0 ? ByteTrie.root : continuationNode else { return out.append(unk) }
      var best: (Int32, Int)? = nil
      var i = start
      while i < bytes.count, let next = trie.child(node, bytes[i]) {
        node = next
        i += 1
        if let v = trie.value(at: node) { best = (v, i) }
      }
      guard let (id, end) = best else { return out.append(unk) }
      pieces.append(id)
      start = end
    }
    out.append(contentsOf: pieces)
  }
}
