/// Character classes as Hugging Face tokenizers (Rust) defines them.
enum UnicodeClasses {
  /// Rust's `char::is_whitespace`: the White_Space property.
  static func isWhitespace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

  /// BertNormalizer's whitespace: tab, newline, carriage return and White_Space.
  static func isBertWhitespace(_ c: Unicode.Scalar) -> Bool {
    c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
  }

  /// BertNormalizer's control characters: the categories Cc, Cf, Cn, Co and Cs, except tab,
  /// newline and carriage return.
  static func isBertControl(_ c: Unicode.Scalar) -> Bool {
    if c == "\t" || c == "\n" || c == "\r" { return false }
    switch c.properties.generalCategory {
    case .control, .format, .unassigned, .privateUse, .surrogate: return true
    default: return false
    }
  }

  /// BertNormalizer's CJK ideographs (the blocks BERT pads with spaces).
  static func isChinese(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B920...0x2CEAF,
      0xF900...0xFAFF, 0x2F800...0x2FA1F:
      return true
    default: return false
    }
  }

  /// ASCII punctuation or a Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po): the
  /// punctuation of BertPreTokenizer and of the Punctuation pre-tokenizer.
  static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
    if c.isASCII {
      let v = c.value
      return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
    }
    switch c.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
      .finalPunctuation, .otherPunctuation:
      return true
    default: return false
    }
  }

  /// Rust's `char::is_numeric`: Nd, Nl or No.
  static func isNumeric(_ c: Unicode.Scalar) -> Bool {
    switch c.properties.generalCategory {
    case .decimalNumber, .letterNumber, .otherNumber: return true
    default: return false
    }
  }

  static func isLetter(_ c: Unicode.Scalar) -> Bool {
    switch c.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
    default: return false
    }
  }

  static func isMark(_ c: Unicode.Scalar) -> Bool {
    switch c.properties.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark: return true
    default: return false
    }
  }

  /// Oniguruma's `\w` under Unicode: Alphabetic, marks, decimal digits, connector punctuation
  /// and the joiners.
  static func isWord(_ c: Unicode.Scalar) -> Bool {
    if c.properties.isAlphabetic || isMark(c) || c.value == 0x200C || c.value == 0x200D { return true }
    switch c.properties.generalCategory {
    case .decimalNumber, .connectorPunctuation: return true
    default: return false
    }
  }

  /// Rust's `char::is_alphanumeric` (Alphabetic or numeric).
  static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || isNumeric(c) }
}
