/// Which steps get a plain progress line when the output is not a terminal: every `every` steps
/// (`--log-every`), or by default every 10 steps or 30 seconds, whichever comes first; always a
/// stage's first step of this session, its last step and a skipped batch.
struct LogSchedule {
  var every: Int?
  static let defaultSteps = 10
  static let defaultSeconds = 30.0
  /// When the last line was printed (seconds on any monotonic clock).
  var lastTime = -Double.infinity

  init(every: Int?) { self.every = every }

  mutating func shouldLog(step: Int, stageSteps: Int, firstOfSession: Bool, skipped: Bool, now: Double) -> Bool {
    let due: Bool =
      if let every { step % every == 0 } else { step % Self.defaultSteps == 0 || now - lastTime >= Self.defaultSeconds }
    guard due || firstOfSession || skipped || step >= stageSteps else { return false }
    lastTime = now
    return true
  }
}
