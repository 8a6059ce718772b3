import Evaluation
import Foundation

/// A run directory's record, as `trainer run` leaves it: `metrics.jsonl` (a line per step and per
/// evaluation), `recipe.yaml` (the recipe file's text, then a `# overrides` line and the
/// `--set` strings, not applied) and `run.json` (what it ran on, `RunInfoRecord`).
public struct RunLog {
  public struct Step {
    public var stage: String
    public var step: Int
    public var stageSteps: Int
    public var globalStep: Int
    public var loss: Double
    public var gradNorm: Double
    public var lr: Double
    public var accuracy: Double?
    public var positiveSimilarity: Double?
    public var hardestNegativeSimilarity: Double?
    public var tokensPerSecond: Double
    public var seconds: Double
    /// The batch's source, in a stage whose batches come from one of several (`source`).
    public var source: String? = nil
  }

  public struct Evaluation {
    public var name: String
    public var stage: String
    public var globalStep: Int
    public var seconds: Double?
    public var mainMetric: String
    public var best: Bool
    /// Every metric, in sentence-transformers' order; nil where the value was not finite.
    public var metrics: [(name: String, value: Double?)]
    public var main: Double? { metrics.first { $0.name == mainMetric }?.value ?? nil }
    /// The evaluation before the first step (`evaluate_before_training`).
    public var isBaseline: Bool { stage == "baseline" }
  }

  public var directory: URL
  public var steps: [Step]
  public var evaluations: [Evaluation]
  public var recipeText: String?
  public var info: RunInfoRecord?

  /// The stages in the order they ran, with their steps.
  public var stages: [(name: String, steps: [Step])] {
    var out: [(name: String, steps: [Step])] = []
    for s in steps {
      if out.last?.name == s.stage { out[out.count - 1].steps.append(s) } else { out.append((s.stage, [s])) }
    }
    return out
  }

  public static func read(directory: String) throws -> RunLog {
    let dir = URL(fileURLWithPath: directory)
    let metricsPath = dir.appendingPathComponent("metrics.jsonl").path
    guard let data = FileManager.default.contents(atPath: metricsPath) else {
      throw ReportError.cannotRead(path: metricsPath, detail: "no metrics.jsonl: is this the output directory of trainer run?")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw ReportError.cannotRead(path: metricsPath, detail: "not UTF-8 text")
    }
    var steps: [Step] = [], evaluations: [Evaluation] = []
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
      let n = i + 1
      guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
        throw ReportError.badLine(path: metricsPath, line: n, detail: "not a JSON object")
      }
      /// A number; null (what the run writes for a value that is not finite) reads as NaN.
      func number(_ key: String) throws -> Double {
        if obj[key] is NSNull { return .nan }
        guard let v = obj[key] as? Double else { throw ReportError.badLine(path: metricsPath, line: n, detail: "expected a number under \"\(key)\"") }
        return v
      }
      func integer(_ key: String) throws -> Int {
        guard let v = obj[key] as? Double, v == v.rounded(), abs(v) < 1e15 else {
          throw ReportError.badLine(path: metricsPath, line: n, detail: "expected a whole number under \"\(key)\"")
        }
        return Int(v)
      }
      func string(_ key: String) throws -> String {
        guard let v = obj[key] as? String else { throw ReportError.badLine(path: metricsPath, line: n, detail: "expected a text under \"\(key)\"") }
        return v
      }
      if let name = obj["eval"] as? String {
        // runs of earlier versions logged only "spearman" (of cosine) and no main metric; a
        // cross-encoder's "spearman" (of its logits) comes with one
        let legacy = obj["main_metric"] == nil
        let known = Set(["eval", "stage", "global_step", "seconds", "main_metric", "best"] + (legacy ? ["spearman"] : []))
        var metrics = obj.filter { !known.contains($0.key) }.map { (name: $0.key, value: $0.value as? Double) }
        if let rho = obj["spearman"] as? Double, legacy { metrics.append(("spearman_cosine", rho)) }
        metrics.sort { Self.order($0.name) < Self.order($1.name) }
        evaluations.append(Evaluation(
          name: name, stage: try string("stage"), globalStep: try integer("global_step"), seconds: obj["seconds"] as? Double,
          mainMetric: obj["main_metric"] as? String ?? "spearman_cosine", best: obj["best"] as? Bool ?? false, metrics: metrics))
      } else {
        steps.append(Step(
          stage: try string("stage"), step: try integer("step"), stageSteps: try integer("stage_steps"),
          globalStep: try integer("global_step"), loss: try number("loss"), gradNorm: try number("grad_norm"),
          lr: try number("lr"), accuracy: obj["accuracy"] as? Double, positiveSimilarity: obj["positive_similarity"] as? Double,
          hardestNegativeSimilarity: obj["hardest_negative_similarity"] as? Double,
          tokensPerSecond: try number("tokens_per_second"), seconds: try number("seconds"), source: obj["source"] as? String))
      }
    }
    guard !steps.isEmpty || !evaluations.isEmpty else {
      throw ReportError.cannotRead(path: metricsPath, detail: "holds no steps and no evaluations")
    }
    let recipe = FileManager.default.contents(atPath: dir.appendingPathComponent("recipe.yaml").path).flatMap { String(data: $0, encoding: .utf8) }
    return RunLog(directory: dir, steps: steps, evaluations: evaluations, recipeText: recipe, info: try RunInfoRecord.read(directory: dir))
  }

  /// The position of every metric sentence-transformers reports, in its order.
  static let knownOrder: [String: Int] = Dictionary(
    uniqueKeysWithValues: (STSMetrics.names() + ["cosine", "dot"].flatMap { RetrievalMetrics.names(similarity: $0) })
      .enumerated().map { ($1, $0) })

  /// Sort key: sentence-transformers' order for the metrics it reports, then by name.
  static func order(_ name: String) -> (Int, String) { (knownOrder[name] ?? knownOrder.count, name) }
}

public enum ReportError: Error, CustomStringConvertible {
  case cannotRead(path: String, detail: String)
  case badLine(path: String, line: Int, detail: String)

  public var description: String {
    switch self {
    case .cannotRead(let p, let d): "\(p): \(d)"
    case .badLine(let p, let l, let d): "\(p):\(l): \(d)"
    }
  }
}
