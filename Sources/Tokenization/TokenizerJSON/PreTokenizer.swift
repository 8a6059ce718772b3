/// A pre-tokenizer of tokenizer.json (`pre_tokenizer`): splits normalized text into the pieces
/// the model tokenizes one by one.
indirect enum PreTokenizer: Sendable {
  case bert
  case whitespace
  case whitespaceSplit
  case metaspace(replacement: Unicode.Scalar, prepend: PrependScheme, split: Bool)
  case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
  case punctuation(SplitBehavior)
  case digits(individual: Bool)
  case split(pattern: [Unicode.Scalar], behavior: SplitBehavior, invert: Bool)
  case sequence([PreTokenizer])

  enum PrependScheme: String, Sendable { case always, first, never }

  static let supported = [
    "BertPreTokenizer", "Whitespace", "WhitespaceSplit", "Metaspace", "ByteLevel", "Punctuation", "Digits", "Split", "Sequence",
  ]

  init(_ node: JSONNode) throws {
    switch try node.type(Self.supported) {
    case "BertPreTokenizer": self = .bert
    case "Whitespace": self = .whitespace
    case "WhitespaceSplit": self = .whitespaceSplit
    case "Metaspace":
      let field = try node.require("replacement")
      let r = Array(try field.string().unicodeScalars)
      guard r.count == 1 else { throw field.error("expected one character") }
      var scheme = PrependScheme.always
      if let p = try node.optional("prepend_scheme") {
        let s = try p.string()
        guard let v = PrependScheme(rawValue: s) else { throw p.error("\"\(s)\" is not supported (supported: always, first, never)") }
        scheme = v
      } else if try !node.optionalBool("add_prefix_space", default: true) {
        scheme = .never
      }
      self = .metaspace(replacement: r[0], prepend: scheme, split: try node.optionalBool("split", default: true))
    case "ByteLevel":
      self = .byteLevel(
        addPrefixSpace: try node.optionalBool("add_prefix_space", default: true), useRegex: try node.optionalBool("use_regex", default: true))
    case "Punctuation":
      self = .punctuation(try node.optional("behavior").map(SplitBehavior.parse) ?? .isolated)
    case "Digits":
      self = .digits(individual: try node.optionalBool("individual_digits", default: false))
    case "Split":
      let pattern = try node.require("pattern")
      guard let s = try pattern.optional("String") else {
        throw pattern.error("only {\"String\": ...} patterns are supported (regex patterns are not)")
      }
      let p = Array(try s.string().unicodeScalars)
      guard !p.isEmpty else { throw s.error("an empty pattern is not supported") }
      self = .split(
        pattern: p, behavior: try SplitBehavior.parse(node.require("behavior")), invert: try node.optionalBool("invert", default: false))
    default:
      self = .sequence(try node.require("pretokenizers").array().map(PreTokenizer.init))
    }
  }

  func apply(_ pieces: [NormalizedText]) -> [NormalizedText] {
    switch self {
    case .sequence(let list):
      var p = pieces
      for t in list { p = t.apply(p) }
      return p
    default:
      return pieces.flatMap(apply(piece:))
    }
  }

  private func apply(piece: NormalizedText) -> [NormalizedText] {
    switch self {
    case .bert:
      return piece.split(piece.segments(matching: UnicodeClasses.isWhitespace), .removed).flatMap {
        $0.split($0.segments(matching: UnicodeClasses.isPunctuation), .isolated)
      }
    case .whitespace:
      return piece.split(piece.segments(matches: Self.wordMatches(piece.scalars)), .removed, invert: true)
    case .whitespaceSplit:
      return piece.split(piece.segments(matching: UnicodeClasses.isWhitespace), .removed)
    case .metaspace(let replacement, let prepend, let split):
      var p = piece
      p.map { $0 == " " ? [replacement] : nil }
      if p.scalars.first != replacement && (prepend == .always || (prepend == .first && p.startsInput)) {
        p.prepend([replacement])
      }
      return split ? p.split(p.segments(matching: { $0 == replacement }), .mergedWithNext) : [p]
    case .byteLevel(let addPrefixSpace, let useRegex):
      var p = piece
      if addPrefixSpace && p.scalars.first != " " { p.prepend([" "]) }
      let parts = useRegex ? p.split(p.segments(matches: ByteLevel.matches(p.scalars)), .isolated) : [p]
      return parts.map(ByteLevel.map)
    case .punctuation(let behavior):
      return piece.split(piece.segments(matching: UnicodeClasses.isPunctuation), behavior)
    case .digits(let individual):
      return piece.split(piece.segments(matching: UnicodeClasses.isNumeric), individual ? .isolated : .contiguous)
    case .split(let pattern, let behavior, let invert):
      return piece.split(piece.segments(matches: piece.occurrences(of: pattern)), behavior, invert: invert)
    case .sequence:
      return apply([piece])
    }
  }

  /// The matches of `\w+|[^\w\s]+` (the Whitespace pre-tokenizer keeps them, drops the rest).
  static func wordMatches(_ s: [Unicode.Scalar]) -> [Range<Int>] {
    var out: [Range<Int>] = []
    var i = 0
    while i < s.count {
      let c = s[i]
      if UnicodeClasses.isWhitespace(c) && !UnicodeClasses.isWord(c) {
        i += 1
        continue
      }
      let word = UnicodeClasses.isWord(c)
      var j = i + 1
      while j < s.count, UnicodeClasses.isWord(s[j]) == word, word || !UnicodeClasses.isWhitespace(s[j]) { j += 1 }
      out.append(i..<j)
      i = j
    }
    return out
  }
}
