/// tokenizer.json's `added_tokens`: matched in the text before the model, leftmost and longest
/// first; special tokens and those with `normalized: false` in the raw text, the others in the
/// normalized text. `lstrip`/`rstrip` take in the whitespace beside a match, `single_word`
/// matches only between non-word characters.
struct AddedTokens: Sendable {
  struct Token: Sendable {
    let id: Int32
    let content: [Unicode.Scalar]
    let lstrip: Bool, rstrip: Bool, singleWord: Bool
    let matchesRaw: Bool
    let special: Bool
    let text: String
  }
  let all: [Token]
  private let raw: [Unicode.Scalar: [Token]]
  private let normalized: [Unicode.Scalar: [Token]]
  var hasNormalized: Bool { !normalized.isEmpty }

  init(_ node: JSONNode?) throws {
    var all: [Token] = []
    for entry in try node?.array() ?? [] {
      let contentNode = try entry.require("content")
      let content = try contentNode.string()
      guard !content.isEmpty else { throw contentNode.error("an empty token is not supported") }
      let special = try entry.optionalBool("special", default: false)
      let normalized = try entry.optionalBool("normalized", default: !special)
      all.append(
        Token(
          id: Int32(try entry.require("id").int()), content: Array(content.unicodeScalars),
          lstrip: try entry.optionalBool("lstrip", default: false), rstrip: try entry.optionalBool("rstrip", default: false),
          singleWord: try entry.optionalBool("single_word", default: false),
          matchesRaw: special || !normalized, special: special, text: content))
    }
    self.all = all
    func index(_ tokens: [Token]) -> [Unicode.Scalar: [Token]] {
      Dictionary(grouping: tokens, by: { $0.content[0] }).mapValues { $0.sorted { $0.content.count > $1.content.count } }
    }
    raw = index(all.filter { $0.matchesRaw })
    normalized = index(all.filter { !$0.matchesRaw })
  }

  enum Segment {
    case text(NormalizedText)
    case token(Int32)
  }

  /// The text split around the matches of the raw (or the normalized) added tokens.
  func split(_ text: NormalizedText, normalizedTokens: Bool) -> [Segment] {
    let table = normalizedTokens ? normalized : raw
    let s = text.scalars
    guard !table.isEmpty else { return [.text(text)] }
    var matches: [(Range<Int>, Token)] = []
    var i = 0
    while i < s.count {
      if let candidates = table[s[i]],
        let t = candidates.first(where: { i + $0.content.count <= s.count && s[i..<(i + $0.content.count)].elementsEqual($0.content) })
      {
        matches.append((i..<(i + t.content.count), t))
        i += t.content.count
      } else {
        i += 1
      }
    }
    guard !matches.isEmpty else { return [.text(text)] }
    let isWordChar: (Unicode.Scalar) -> Bool = { UnicodeClasses.isAlphanumeric($0) || $0 == "_" }
    var out: [Segment] = []
    var offset = 0
    for (r, t) in matches {
      var start = r.lowerBound, stop = r.upperBound
      if t.singleWord {
        let before = start == 0 || !isWordChar(s[start - 1])
        let after = stop == s.count || !isWordChar(s[stop])
        if !before || !after { continue }
      }
      if t.lstrip {
        var k = start
        while k > 0, UnicodeClasses.isWhitespace(s[k - 1]) { k -= 1 }
        start = max(k, offset)
      }
      if t.rstrip { while stop < s.count, UnicodeClasses.isWhitespace(s[stop]) { stop += 1 } }
      if offset < start { out.append(.text(text.slice(offset..<start))) }
      out.append(.token(t.id))
      offset = max(offset, stop)
    }
    if offset < s.count { out.append(.text(text.slice(offset..<s.count))) }
    return out
  }
}
