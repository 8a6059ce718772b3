/// Reading numbers with their ranges. A number the engine uses as a Float is checked as a Float:
/// one that overflows to infinity, or rounds to 0 (or to 1, for betas) in 32 bits, is refused
/// with the value as written.
extension RecipeReader {
  /// What a number the engine uses as a Float may be.
  enum FloatRange {
    /// > 0
    case positive
    /// >= 0
    case nonNegative
    /// [0, 1)
    case belowOne
  }

  /// The key this value is under (a list item: the list's), for messages.
  private var name: String {
    path.split(separator: ".").last(where: { Int($0) == nil }).map(String.init) ?? path
  }

  /// The scalar as written, for messages.
  private var written: String {
    if case .scalar(let s, _) = tree { return s }
    return "?"
  }

  /// An integer of at least `minimum`; `why` (e.g. "<s> and </s>") explains a minimum above 1.
  func int(atLeast minimum: Int, _ why: String? = nil) throws -> Int {
    let v = try int()
    guard v >= minimum else {
      switch minimum {
      case 0: throw fail("expected 0 or more, got \(v)")
      case 1: throw fail("expected a positive integer, got \(v)")
      default: throw fail("expected an integer of at least \(minimum)\(why.map { " (\($0))" } ?? ""), got \(v)")
      }
    }
    return v
  }

  /// A number in `range`, finite in Float and in the range there too.
  func float(_ range: FloatRange) throws -> Float {
    let v = try double()
    let f = Float(v)
    switch range {
    case .positive: guard v > 0 else { throw fail("\(name) must be positive, got \(written)") }
    case .nonNegative: guard v >= 0 else { throw fail("\(name) must be 0 or more, got \(written)") }
    case .belowOne: guard v >= 0 && v < 1 else { throw fail("\(name) must be in [0, 1), got \(written)") }
    }
    guard f.isFinite else {
      throw fail("\(name) \(written) is infinite as a 32-bit float (the largest is \(Float.greatestFiniteMagnitude))")
    }
    if range == .positive, f == 0 { throw fail("\(name) must be positive, got \(written), which rounds to 0 as a 32-bit float") }
    if range == .belowOne, f >= 1 { throw fail("\(name) must be in [0, 1), got \(written), which rounds to 1 as a 32-bit float") }
    return f
  }

  /// A positive Float whose inverse is finite too (a temperature the engine divides by).
  func invertibleFloat() throws -> Float {
    let f = try float(.positive)
    guard (1 / f).isFinite else {
      throw fail("\(name) \(written) is too small: 1/\(name) is infinite as a 32-bit float")
    }
    return f
  }
}
