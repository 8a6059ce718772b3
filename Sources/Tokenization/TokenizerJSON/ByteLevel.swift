/// GPT-2's byte-level alphabet and pre-tokenization pattern, as the ByteLevel pre-tokenizer
/// uses them.
enum ByteLevel {
  /// The scalar standing for each byte: printable Latin-1 bytes stand for themselves, the others
  /// for U+0100 onwards in byte order.
  static let alphabet: [Unicode.Scalar] = {
    var table = [Unicode.Scalar](repeating: " ", count: 256)
    var next: UInt32 = 256
    for b in 0..<256 {
      if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
        table[b] = Unicode.Scalar(UInt8(b))
      } else {
        table[b] = Unicode.Scalar(next) ?? " "
        next += 1
      }
    }
    return table
  }()

  /// The text's UTF-8 bytes, each as its alphabet scalar (all taking the origin of the text's
  /// first scalar).
  static func map(_ text: NormalizedText) -> NormalizedText {
    var s: [Unicode.Scalar] = []
    var o: [Int] = []
    for (c, origin) in zip(text.scalars, text.origins) {
      for b in String(c).utf8 {
        s.append(alphabet[Int(b)])
        o.append(origin)
      }
    }
    return NormalizedText(scalars: s, origins: o)
  }

  /// The matches of GPT-2's pattern
  /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, which cover
  /// the whole text.
  static func matches(_ s: [Unicode.Scalar]) -> [Range<Int>] {
    let n = s.count
    var out: [Range<Int>] = []
    var i = 0
    func run(from k: Int, _ p: (Unicode.Scalar) -> Bool) -> Int {
      var j = k
      while j < n, p(s[j]) { j += 1 }
      return j
    }
    let isSpace = UnicodeClasses.isWhitespace
    let isLetter = UnicodeClasses.isLetter
    let isNumber = UnicodeClasses.isNumeric
    let isOther: (Unicode.Scalar) -> Bool = { !isSpace($0) && !isLetter($0) && !isNumber($0) }
    while i < n {
      let c = s[i]
      if c == "'", i + 1 < n {
        let a = s[i + 1]
        if a == "s" || a == "t" || a == "m" || a == "d" {
          out.append(i..<(i + 2))
          i += 2
          continue
        }
        if i + 2 < n {
          let b = s[i + 2]
          if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
            out.append(i..<(i + 3))
            i += 3
            continue
          }
        }
      }
      let k = c == " " && i + 1 < n ? i + 1 : i
      var matched = false
      for p in [isLetter, isNumber, isOther] where p(s[k]) {
        let j = run(from: k, p)
        out.append(i..<j)
        i = j
        matched = true
        break
      }
      if matched { continue }
      if isSpace(c) {
        var j = run(from: i, isSpace)
        if j < n, j - i >= 2 { j -= 1 }
        out.append(i..<j)
        i = j
        continue
      }
      out.append(i..<(i + 1))
      i += 1
    }
    return out
  }
}
