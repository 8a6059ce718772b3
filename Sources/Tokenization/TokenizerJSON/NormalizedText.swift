/// Text on its way through normalizers and pre-tokenizers: its scalars, each with the index of
/// the scalar of the input it came from (Metaspace's `prepend_scheme: first` asks whether a
/// piece starts at the beginning of the input, as Hugging Face's offsets do).
struct NormalizedText: Sendable {
  var scalars: [Unicode.Scalar]
  var origins: [Int]

  init(scalars: [Unicode.Scalar], origins: [Int]) {
    self.scalars = scalars
    self.origins = origins
  }

  /// `text`, whose first scalar is scalar `origin` of the input.
  init(_ text: Substring, origin: Int) {
    scalars = Array(text.unicodeScalars)
    origins = Array(origin..<(origin + scalars.count))
  }

  var isEmpty: Bool { scalars.isEmpty }
  var string: String {
    var s = String.UnicodeScalarView()
    s.append(contentsOf: scalars)
    return String(s)
  }
  /// Whether the text starts at the first scalar of the input.
  var startsInput: Bool { origins.first == 0 }

  /// Each scalar replaced by `f`'s scalars (nil keeps it), which inherit its origin.
  mutating func map(_ f: (Unicode.Scalar) -> [Unicode.Scalar]?) {
    var s: [Unicode.Scalar] = [], o: [Int] = []
    s.reserveCapacity(scalars.count)
    o.reserveCapacity(scalars.count)
    for (c, origin) in zip(scalars, origins) {
      if let r = f(c) {
        s.append(contentsOf: r)
        o.append(contentsOf: repeatElement(origin, count: r.count))
      } else {
        s.append(c)
        o.append(origin)
      }
    }
    scalars = s
    origins = o
  }

  /// Each grapheme cluster replaced by `f`'s result (nil keeps it); the new scalars inherit the
  /// origin of the cluster's first scalar. ASCII scalars other than CR are clusters of their own
  /// and are passed to `f` too.
  mutating func mapGraphemes(_ f: (Character) -> String?) {
    var s: [Unicode.Scalar] = [], o: [Int] = []
    s.reserveCapacity(scalars.count)
    o.reserveCapacity(scalars.count)
    var i = 0
    for ch in string {
      let n = ch.unicodeScalars.count
      let origin = origins[i]
      if let r = f(ch) {
        for u in r.unicodeScalars {
          s.append(u)
          o.append(origin)
        }
      } else {
        s.append(contentsOf: scalars[i..<(i + n)])
        o.append(contentsOf: origins[i..<(i + n)])
      }
      i += n
    }
    scalars = s
    origins = o
  }

  /// Keeps the scalars for which `keep` holds.
  mutating func filter(_ keep: (Unicode.Scalar) -> Bool) {
    var s: [Unicode.Scalar] = [], o: [Int] = []
    for (c, origin) in zip(scalars, origins) where keep(c) {
      s.append(c)
      o.append(origin)
    }
    scalars = s
    origins = o
  }

  /// `prefix` before the text; its scalars take the origin of the first scalar (nothing is
  /// prepended to empty text, as in Hugging Face).
  mutating func prepend(_ prefix: [Unicode.Scalar]) {
    guard let first = origins.first else { return }
    scalars.insert(contentsOf: prefix, at: 0)
    origins.insert(contentsOf: repeatElement(first, count: prefix.count), at: 0)
  }

  func slice(_ r: Range<Int>) -> NormalizedText {
    NormalizedText(scalars: Array(scalars[r]), origins: Array(origins[r]))
  }

  /// Every non-overlapping occurrence of `pattern` (left to right) replaced by `content`, which
  /// takes the origin of the occurrence's last scalar (as Hugging Face aligns it).
  mutating func replace(_ pattern: [Unicode.Scalar], with content: [Unicode.Scalar]) {
    guard !pattern.isEmpty, scalars.count >= pattern.count else { return }
    var s: [Unicode.Scalar] = [], o: [Int] = []
    var i = 0
    while i < scalars.count {
      if i + pattern.count <= scalars.count, scalars[i] == pattern[0], scalars[i..<(i + pattern.count)].elementsEqual(pattern) {
        s.append(contentsOf: content)
        o.append(contentsOf: repeatElement(origins[i + pattern.count - 1], count: content.count))
        i += pattern.count
      } else {
        s.append(scalars[i])
        o.append(origins[i])
        i += 1
      }
    }
    scalars = s
    origins = o
  }

  /// Every run of at least `minimum` copies of `c` replaced by `content` (the regex `c{n,}`),
  /// which takes the origin of the run's last scalar.
  mutating func replaceRuns(of c: Unicode.Scalar, minimum: Int, with content: [Unicode.Scalar]) {
    var s: [Unicode.Scalar] = [], o: [Int] = []
    var i = 0
    while i < scalars.count {
      var j = i
      while j < scalars.count, scalars[j] == c { j += 1 }
      if j - i >= minimum {
        s.append(contentsOf: content)
        o.append(contentsOf: repeatElement(origins[j - 1], count: content.count))
        i = j
      } else if j > i {
        s.append(contentsOf: scalars[i..<j])
        o.append(contentsOf: origins[i..<j])
        i = j
      } else {
        s.append(scalars[i])
        o.append(origins[i])
        i += 1
      }
    }
    scalars = s
    origins = o
  }
}
