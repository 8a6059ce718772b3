import Foundation

/// A normalizer of tokenizer.json (`normalizer`).
indirect enum Normalizer: Sendable {
  case bert(cleanText: Bool, chineseChars: Bool, stripAccents: Bool, lowercase: Bool)
  case unicode(UnicodeForm)
  case lowercase
  case stripAccents
  case replace(pattern: [Unicode.Scalar], content: [Unicode.Scalar])
  /// The regex `c{n,}` (`" {2,}"` in XLM-R's files written by older transformers).
  case replaceRuns(of: Unicode.Scalar, minimum: Int, content: [Unicode.Scalar])
  case prepend([Unicode.Scalar])
  case strip(left: Bool, right: Bool)
  case precompiled(Precompiled)
  case sequence([Normalizer])

  enum UnicodeForm: String, Sendable { case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD" }

  static let supported = [
    "BertNormalizer", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "Replace", "Prepend", "Strip", "Precompiled",
    "Sequence",
  ]

  init(_ node: JSONNode) throws {
    switch try node.type(Self.supported) {
    case "BertNormalizer":
      let lowercase = try node.optionalBool("lowercase", default: true)
      self = .bert(
        cleanText: try node.optionalBool("clean_text", default: true),
        chineseChars: try node.optionalBool("handle_chinese_chars", default: true),
        stripAccents: try node.optional("strip_accents")?.bool() ?? lowercase, lowercase: lowercase)
    case "Lowercase": self = .lowercase
    case "StripAccents": self = .stripAccents
    case "Replace":
      let content = Array(try node.require("content").string().unicodeScalars)
      let pattern = try node.require("pattern")
      if let s = try pattern.optional("String") {
        let p = Array(try s.string().unicodeScalars)
        guard !p.isEmpty else { throw s.error("an empty pattern is not supported") }
        self = .replace(pattern: p, content: content)
      } else if let r = try pattern.optional("Regex") {
        let regex = try r.string()
        guard let run = Self.runRegex(regex) else {
          throw r.error("regex \"\(regex)\" is not supported (supported: a string pattern, or \"c{n,}\" for one character c)")
        }
        self = .replaceRuns(of: run.0, minimum: run.1, content: content)
      } else {
        throw pattern.error("expected {\"String\": ...} or {\"Regex\": ...}")
      }
    case "Prepend": self = .prepend(Array(try node.require("prepend").string().unicodeScalars))
    case "Strip":
      self = .strip(left: try node.optionalBool("strip_left", default: true), right: try node.optionalBool("strip_right", default: true))
    case "Precompiled":
      let field = try node.require("precompiled_charsmap")
      guard let data = Data(base64Encoded: try field.string()) else { throw field.error("expected base64") }
      self = .precompiled(try Precompiled(charsmap: data, node: field))
    case "Sequence":
      self = .sequence(try node.require("normalizers").array().map(Normalizer.init))
    default:
      self = .unicode(UnicodeForm(rawValue: try node.require("type").string()) ?? .nfc)
    }
  }

  /// `c{n,}` with one literal character c and a count n ≥ 1.
  private static func runRegex(_ r: String) -> (Unicode.Scalar, Int)? {
    let s = Array(r.unicodeScalars)
    guard s.count >= 5, s[1] == "{", s[s.count - 2] == ",", s[s.count - 1] == "}", !"\\.[](){}*+?|^$".unicodeScalars.contains(s[0]),
      let n = Int(String(String.UnicodeScalarView(s[2..<(s.count - 2)]))), n >= 1
    else { return nil }
    return (s[0], n)
  }

  func apply(_ text: inout NormalizedText) {
    switch self {
    case .bert(let clean, let chinese, let strip, let lower):
      if clean {
        text.filter { $0.value != 0 && $0.value != 0xFFFD && !UnicodeClasses.isBertControl($0) }
        text.map { UnicodeClasses.isBertWhitespace($0) && $0 != " " ? [" "] : nil }
      }
      if chinese { text.map { UnicodeClasses.isChinese($0) ? [" ", $0, " "] : nil } }
      if strip {
        Normalizer.unicode(.nfd).apply(&text)
        text.filter { $0.properties.generalCategory != .nonspacingMark }
      }
      if lower { Normalizer.lowercase.apply(&text) }
    case .unicode(let form):
      text.mapGraphemes { ch in
        if ch.isASCII && ch != "\r\n" { return nil }
        let s = String(ch)
        switch form {
        case .nfc: return s.precomposedStringWithCanonicalMapping
        case .nfd: return s.decomposedStringWithCanonicalMapping
        case .nfkc: return s.precomposedStringWithCompatibilityMapping
        case .nfkd: return s.decomposedStringWithCompatibilityMapping
        }
      }
    case .lowercase:
      text.map { c in
        if c.isASCII { return c.value >= 65 && c.value <= 90 ? [Unicode.Scalar(c.value + 32) ?? c] : nil }
        let m = c.properties.lowercaseMapping.unicodeScalars
        return m.count == 1 && m.first == c ? nil : Array(m)
      }
    case .stripAccents:
      text.filter { !UnicodeClasses.isMark($0) }
    case .replace(let pattern, let content):
      text.replace(pattern, with: content)
    case .replaceRuns(let c, let minimum, let content):
      text.replaceRuns(of: c, minimum: minimum, with: content)
    case .prepend(let p):
      text.prepend(p)
    case .strip(let left, let right):
      var lo = 0, hi = text.scalars.count
      if left { while lo < hi, UnicodeClasses.isWhitespace(text.scalars[lo]) { lo += 1 } }
      if right { while hi > lo, UnicodeClasses.isWhitespace(text.scalars[hi - 1]) { hi -= 1 } }
      if lo > 0 || hi < text.scalars.count { text = text.slice(lo..<hi) }
    case .precompiled(let p):
      p.apply(&text)
    case .sequence(let list):
      for n in list { n.apply(&text) }
    }
  }
}
