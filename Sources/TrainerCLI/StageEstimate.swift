/// The time a stage still needs: its steps at the rate so far, and the evaluations still to come
/// (after every `eval_every` steps and at the stage's end; the final sets after the last stage),
/// each set at the duration of its last evaluation.
struct StageEstimate {
  /// The sets evaluated during stages, and those evaluated once at the end of the run.
  var stageSets: [String]
  var finalSets: [String]
  /// The seconds of each set's latest evaluation.
  var evaluationSeconds: [String: Double] = [:]

  /// Evaluation points still to come when step `step` of a stage of `total` steps is done (its
  /// own evaluation follows its step): every `every` steps and at the end, from `step` on.
  static func evaluationsLeft(from step: Int, total: Int, every: Int?) -> Int {
    guard step <= total else { return 0 }
    guard let every, every > 0 else { return 1 }
    return total / every - max(step - 1, 0) / every + (total % every == 0 ? 0 : 1)
  }

  /// Seconds for the sets `names`, and whether some were left out: a set not evaluated yet counts
  /// as the mean of those that were, and is left out when none was.
  func seconds(of names: [String]) -> (seconds: Double, lowerBound: Bool) {
    let known = Array(evaluationSeconds.values)
    let mean = known.isEmpty ? nil : known.reduce(0, +) / Double(known.count)
    var total = 0.0, missing = false
    for name in names {
      if let s = evaluationSeconds[name] ?? mean { total += s } else { missing = true }
    }
    return (total, missing)
  }

  /// The ETA after `step` of `total` steps, `stepsDone` of which took `stepSeconds` in this
  /// session; nil when no step is done yet.
  func eta(step: Int, total: Int, stepsDone: Int, stepSeconds: Double, every: Int?, lastStage: Bool) -> (seconds: Double?, lowerBound: Bool) {
    guard stepsDone > 0 else { return (nil, false) }
    let steps = stepSeconds / Double(stepsDone) * Double(max(total - step, 0))
    let rounds = Self.evaluationsLeft(from: step, total: total, every: every)
    let round = seconds(of: stageSets)
    let final = lastStage ? seconds(of: finalSets) : (seconds: 0, lowerBound: false)
    return (steps + Double(rounds) * round.seconds + final.seconds, (rounds > 0 && round.lowerBound) || final.lowerBound)
  }
}
