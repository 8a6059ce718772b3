import ArgumentParser
import Autograd
import Foundation
import Losses
import TextEncoder
import Tokenization
import Training

extension BenchCommand {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "train",
      abstract: "Training-step throughput: InfoNCE forward+backward and AdamW on KorNLI triplets.")

    @Argument(help: "Model directory.")
    var model: String
    @Option(help: "NLI TSV (sentence1, sentence2, gold_label) the triplets come from; repeat for several.")
    var tsv: [String] = ["data/kornlu/KorNLI/xnli.dev.ko.tsv"]
    @Option(help: "Triplets per step (the recipe's batch_size).")
    var batchSize: Int = 32
    @Option(help: "Hard negatives per query (0: in-batch negatives only, as in pretraining).")
    var hardNegatives: Int = 1
    @Option(help: "GradCache: texts per forward pass (default: the whole batch at once).")
    var miniBatch: Int?
    @Flag(inversion: .prefixedNo, help: "Run one untimed step first (its memory is reported).")
    var warmup: Bool = true
    @Option(help: "Tokens per sequence at most (with the prompt and special tokens).")
    var maxLength: Int = 64
    @Option(help: "Text put before every sentence (queries, positives and negatives).")
    var prompt: String = "query: "
    @Option(help: "Timed steps (after one untimed warm-up step).")
    var steps: Int = 5
    @Flag(inversion: .prefixedNo, help: "Hidden and attention dropout from the model config, as in training.")
    var dropout: Bool = true
    @Flag(help: "Print the time of every op kind, forward and backward (summed over the timed steps).")
    var profile = false
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var matmul: PrecisionOption

    func validate() throws {
      try FlagChecks.atLeast(1, batchSize, "--batch-size")
      try FlagChecks.atLeast(1, steps, "--steps")
      try FlagChecks.atLeast(2, maxLength, "--max-length")
      guard (0...1).contains(hardNegatives) else { throw ValidationError("--hard-negatives: 0 or 1 (the triplets hold one)") }
      if let miniBatch, miniBatch < 1 || miniBatch > batchSize {
        throw ValidationError("--mini-batch must be between 1 and the batch (\(batchSize))")
      }
    }

    func run() throws {
      compute.apply()
      try runReportingErrors {
        let model = try SentenceEncoder(directory: self.model)
        let precision = try matmul.resolve()
        model.encoder.store.precision = precision
        let encoder = model.encoder, config = model.config
        let triplets = try tsv.flatMap { try NLITriplets.read(path: $0) }
        guard triplets.count >= batchSize else {
          throw ValidationError("\(tsv.joined(separator: ", ")) give \(triplets.count) triplets; a step of \(batchSize) needs \(batchSize)")
        }
        let peak = BenchTrain.gemmPeak(precision)
        let gemmName = precision == .bf16 ? "bf16 GEMM" : "sgemm"
        print(String(format: "%@ peak (2048×1536×384, %d threads%@): %.1f GFLOP/s", gemmName, Parallel.threads,
                     precision == .bf16 ? ", oneDNN \(BF16.lastImplementation)" : "", peak))
        if profile {
          let T = 2000, C = config.hiddenSize, F = config.intermediateSize
          for (name, m, n, k, ta, tb) in [
            ("x·Wᵀ C→C", T, C, C, false, true), ("x·Wᵀ C→F", T, F, C, false, true), ("x·Wᵀ F→C", T, C, F, false, true),
            ("dY·W C→C", T, C, C, false, false), ("dY·W F→C", T, C, F, false, false), ("dY·W C→F", T, F, C, false, false),
            ("dYᵀ·x C×C", C, C, T, true, false), ("dYᵀ·x F×C", F, C, T, true, false), ("dYᵀ·x C×F", C, F, T, true, false),
          ] {
            print(String(format: "  %@ %@ (%d×%d×%d): %.1f GFLOP/s", gemmName, name, m, n, k,
                         BenchTrain.gemmRate(precision, m: m, n: n, k: k, transA: ta, transB: tb, beta: 1)))
          }
        }

        let step = TrainingStep(
          encoder: encoder, pooling: model.pooling, objective: InfoNCE(temperature: 0.05, hardNegatives: hardNegatives),
          texts: TextPreparation(tokenizer: model.tokenizer, maxLength: maxLength, queryPrefix: prompt, passagePrefix: prompt))
        let optimizer = AdamW(store: encoder.store, settings: .init())
        encoder.store.zeroGrad()
        optimizer.update(lr: 0)  // touch every buffer once so the memory figures are steady
        func lengths(_ texts: [String]) throws -> [Int] { try texts.map { try model.tokenizer.encode($0, prefix: prompt, maxLength: maxLength).count } }

        var profiled: [String: Tape.OpTime] = [:]
        var fb = 0.0, opt = 0.0, zero = 0.0, flops = 0.0, tokenCount = 0, realTokens = 0, padded = 0
        let first = warmup ? 0 : 1
        var stepPeak = 0.0
        for s in first...steps {
          // consecutive triplets, wrapping around the file (each step's are distinct)
          let chunk = (0..<batchSize).map { triplets[(s * batchSize + $0) % triplets.count] }
          let examples = chunk.map { TrainingExample.triplet(query: $0.query, positive: $0.positive, negatives: [$0.negative]) }
          let before = Memory.resetPeak()
          let t0 = Date()
          encoder.store.zeroGrad()
          let t1 = Date()
          let r = try step.run(examples, dropout: dropout, seed: UInt64(s), miniBatch: miniBatch, profile: profile && s > 0)
          let t2 = Date()
          optimizer.update(lr: 1e-9)
          let t3 = Date()
          stepPeak = max(stepPeak, Memory.peak())
          if s == first {
            // the tape holds the whole batch, or under GradCache one mini-batch (the first, as a sample)
            let kept = miniBatch.map { m in SequenceLayout(lengths: (0..<min(m, r.layout.count)).map { r.layout.length($0) }) } ?? r.layout
            let activations = EncoderMemory.activationBytes(config, kept)
            print(String(format: "memory: %.0f MB resident before the step (weights, gradients, AdamW moments); peak %.0f MB during one forward+backward of %d triplets (%d tokens); the tape's activations %.0f MB",
                         before / 1e6, Memory.peak() / 1e6, batchSize, r.tokens, activations / 1e6))
            if warmup { continue }
          }
          zero += t1.timeIntervalSince(t0); fb += t2.timeIntervalSince(t1); opt += t3.timeIntervalSince(t2)
          flops += EncoderFLOPs.forwardBackward(config, layout: r.layout)
          if let miniBatch, miniBatch < r.layout.count { flops += EncoderFLOPs.forward(config, layout: r.layout) }  // GradCache's first pass
          for (op, t) in r.profile ?? [:] {
            profiled[op, default: .init()].forward += t.forward
            profiled[op, default: .init()].backward += t.backward
            profiled[op, default: .init()].calls += t.calls
          }
          tokenCount += r.tokens
          realTokens += r.tokens
          // the peer pads each column (queries, positives, negatives) to its longest
          padded += try batchSize * [chunk.map(\.query), chunk.map(\.positive), chunk.map(\.negative)].prefix(2 + hardNegatives)
            .reduce(0) { try $0 + (lengths($1).max() ?? 0) }
        }
        for (op, t) in profiled.sorted(by: { $0.value.forward + $0.value.backward > $1.value.forward + $1.value.backward }) {
          let name = op.padding(toLength: max(op.count, 14), withPad: " ", startingAt: 0)
          print(name + String(format: " forward %6.3fs  backward %6.3fs per step (%d calls)", t.forward / Double(steps),
                              t.backward / Double(steps), t.calls / steps))
        }
        let total = fb + opt + zero
        let n = Double(steps)
        print(String(format: "peak resident memory over the steps: %.0f MB%@", stepPeak / 1e6,
                     miniBatch.map { String(format: " (GradCache, mini-batches of %d texts)", $0) } ?? ""))
        print(String(format: "forward+backward: %.3fs/step, %.0f tokens/s, %.1f GFLOP/s = %.0f%% of the %@ peak",
                     fb / n, Double(tokenCount) / fb, flops / fb / 1e9, 100 * flops / fb / 1e9 / peak, gemmName))
        print(String(format: "zero-grad %.3fs/step, AdamW %.3fs/step (%d parameters)", zero / n, opt / n, encoder.store.count))
        print(String(format: "full step: %.3fs, %.2f triplets/s (batch %d, max length %d, %@dropout, %d threads; padding would add %.0f%% tokens)",
                     total / n, Double(batchSize) * n / total, batchSize, maxLength, dropout ? "" : "no ", Parallel.threads,
                     100 * Double(padded - realTokens) / Double(realTokens)))
      }
    }
  }
}

enum BenchTrain {
  /// GFLOP/s of a 2048×1536×384 product (the best of 5 after a warm-up): `BLAS.gemm` in fp32,
  /// `BF16.gemm` on bf16 operands in bf16.
  static func gemmPeak(_ precision: Precision) -> Double {
    gemmRate(precision, m: 2048, n: 1536, k: 384, transA: false, transB: true)
  }

  /// GFLOP/s of one product shape (the best of 5 after a warm-up); in bf16 the operands are
  /// rounded before the timing.
  static func gemmRate(_ precision: Precision, m: Int, n: Int, k: Int, transA: Bool, transB: Bool, beta: Float = 0) -> Double {
    let a = Tensor(shape: [m, k]), b = Tensor(shape: [n, k]), c = Tensor(shape: [m, n])
    for i in 0..<a.count { a.data[i] = Float(i % 7) * 0.1 }
    for i in 0..<b.count { b.data[i] = Float(i % 5) * 0.1 }
    let a16 = BF16.Buffer(rounding: a.data, count: a.count), b16 = BF16.Buffer(rounding: b.data, count: b.count)
    var best = Double.infinity
    for run in 0..<6 {
      let t0 = Date()
      if precision == .bf16 {
        BF16.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a16.data, lda: transA ? m : k, b: b16.data,
                  ldb: transB ? k : n, beta: beta, c: c.data, ldc: n)
      } else {
        BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a.data, lda: transA ? m : k, b: b.data,
                  ldb: transB ? k : n, beta: beta, c: c.data, ldc: n)
      }
      if run > 0 { best = min(best, Date().timeIntervalSince(t0)) }  // run 0 is the warm-up
    }
    return 2 * Double(m * n * k) / best / 1e9
  }
}
