/// A mining or scoring setting out of its range (the CLI refuses these first, naming its flag).
public enum MiningError: Error, CustomStringConvertible {
  case setting(name: String, value: Int, minimum: Int)

  public var description: String {
    switch self {
    case .setting(let name, let value, let minimum): "\(name) \(value): it must be at least \(minimum)"
    }
  }

  /// Throws unless every (name, value) is at least 1.
  static func checkPositive(_ settings: KeyValuePairs<String, Int>) throws {
    for (name, value) in settings where value < 1 { throw MiningError.setting(name: name, value: value, minimum: 1) }
  }
}
