import ArgumentParser

/// Range checks of numeric flags, refused before anything runs with the flag's name.
enum FlagChecks {
  /// Throws unless `value` is at least `minimum`; `why` explains a minimum above 1.
  static func atLeast(_ minimum: Int, _ value: Int?, _ flag: String, _ why: String? = nil) throws {
    guard let value, value < minimum else { return }
    throw ValidationError("\(flag) must be at least \(minimum)\(why.map { " (\($0))" } ?? ""), got \(value)")
  }

  /// Throws unless `value` is finite and at least 0.
  static func nonNegative(_ value: Float?, _ flag: String) throws {
    guard let value, !(value.isFinite && value >= 0) else { return }
    throw ValidationError("\(flag) must be 0 or more, got \(value)")
  }

  /// Throws unless `value` is finite and above 0.
  static func positive(_ value: Double?, _ flag: String) throws {
    guard let value, !(value.isFinite && value > 0) else { return }
    throw ValidationError("\(flag) must be a number above 0, got \(value)")
  }

  /// Throws unless `value` is in [0, 1).
  static func belowOne(_ value: Float?, _ flag: String) throws {
    guard let value, !(value >= 0 && value < 1) else { return }
    throw ValidationError("\(flag) must be in [0, 1), got \(value)")
  }
}
