import Mining
import SafeTensors
import Testing
@testable import Training

@testable import TrainerCLI

/// `run`, `resume`, `export`, `data build` and the benchmarks: their defaults, choices and the
/// combinations they refuse.
@Suite struct TrainAndToolCommandsTests {
  @Test func runAndResumeTakeOverridesStepsAndRanks() throws {
    let r = try parse(["run", "r.recipe", "--set", "seed=1", "--set", "stages.0.batch_size=64", "--max-steps", "6", "--ranks", "1"], as: RunCommand.self)
    #expect(r.recipe == "r.recipe" && !r.resume && r.options.overrides == ["seed=1", "stages.0.batch_size=64"])
    #expect(r.options.maxSteps == 6 && r.options.ranks == 1 && r.options.compute.threads == nil)
    let d = try parse(["run", "r.recipe", "--resume", "--threads", "1"], as: RunCommand.self)
    #expect(d.resume && d.options.overrides.isEmpty && d.options.maxSteps == nil && d.options.ranks == nil && d.options.compute.count == 1)

    let c = try parse(["resume", "out/checkpoints/step-0000006", "--recipe", "r.recipe", "--set", "seed=1"], as: ResumeCommand.self)
    #expect(c.checkpoint == "out/checkpoints/step-0000006" && c.recipe == "r.recipe" && c.options.overrides == ["seed=1"])

    #expect(refusal(["run", "r.recipe", "--ranks", "0"]).contains("--ranks must be at least 1, got 0"))
    let o = try parse(["run", "r.recipe", "--overwrite"], as: RunCommand.self)
    #expect(o.overwrite && !o.resume && !o.options.noVerify && !d.overwrite)
    #expect(try parse(["run", "r.recipe", "--resume", "--no-verify"], as: RunCommand.self).options.noVerify)
    #expect(refusal(["run", "r.recipe", "--resume", "--overwrite"]).contains("--overwrite starts a new one"))
    #expect(refusal(["resume", "out/checkpoints/step-0000006"]).contains("Missing expected argument '--recipe <recipe>'"))
  }

  /// Step totals of 2^31 and more print as they are (they printed negative), and a skipped
  /// batch shows in the progress line.
  @Test func progressLinesPrintLargeTotals() throws {
    var m = TrainingRun.StepMetrics(
      stage: "s", step: 7, stageSteps: 4_000_000_000, globalStep: 7, epoch: 0, loss: 0.5, gradNorm: 1, lr: 1e-5, tokens: 10,
      tokensPerSecond: 100, seconds: 0.1)
    #expect(TrainingReporter.stepLine(m, elapsed: 1, eta: 3).hasPrefix("s 7/4000000000  loss 0.5000"))
    m.skipped = true
    m.skippedBatches = 2
    #expect(TrainingReporter.stepLine(m, elapsed: 1, eta: 3).hasSuffix("(skipped: not finite)  skipped batches 2"))
    // a stage with several sources: each one's latest loss after the step's
    m.skipped = nil
    m.source = "KorSTS"
    let losses: [(source: String, loss: Float)] = [("KorNLI", 1.25), ("KorSTS", 4.5)]
    #expect(TrainingReporter.stepLine(m, elapsed: 1, eta: 3, sourceLosses: losses).hasPrefix("s 7/4000000000  loss 0.5000  (KorNLI 1.2500 KorSTS 4.5000)  lr"))
    let bar = TrainingReporter.stepBar(m, elapsed: 1, eta: 3, etaIsLowerBound: false, sourceLosses: losses)
    #expect(bar.render(width: 200).contains("loss 0.5000 skipped 2 KorNLI 1.2500 KorSTS 4.5000 lr 1.0e-05"))
    // on a narrow terminal the per-source losses go before the loss
    #expect(!bar.render(width: 70).contains("KorNLI") && bar.render(width: 70).contains("loss 0.5000"))
    #expect(ProgressBar(total: 3_000_000_000, label: "x").line(1_500_000_000, rate: 1, elapsed: 2).render(width: 160)
      .contains("[###############...............] 50% 1500000000/3000000000"))
  }

  @Test func exportTakesAWeightPrecision() throws {
    let e = try parse(["export", "ckpt", "--output", "out"], as: ExportCommand.self)
    #expect(e.checkpoint == "ckpt" && e.output == "out" && e.dtype == .f32 && e.dtype.dtype == DType.f32 && !e.overwrite)
    let h = try parse(["export", "ckpt", "--output", "out", "--dtype", "f16", "--overwrite"], as: ExportCommand.self)
    #expect(h.dtype == .f16 && h.dtype.dtype == DType.f16 && h.overwrite)
    #expect(refusal(["export", "ckpt", "--output", "out", "--dtype", "bf16"]).contains("invalid for '--dtype <dtype>'"))
  }

  @Test func dataBuildNeedsExamples() throws {
    let b = try parse(["data", "build", "--model", "m", "--examples", "nli_tsv:a.tsv", "--corpus", "lines:b.txt", "--output", "d.h5"], as: DataCommand.Build.self)
    #expect(b.examples == ["nli_tsv:a.tsv"] && b.corpus == ["lines:b.txt"] && b.checkPrefix == ["query: ", "passage: "])
    #expect(refusal(["data", "build", "--model", "m", "--output", "d.h5"]).contains("give at least one --examples FORMAT:PATH"))
    #expect(try parse(["data", "inspect", "d.h5"], as: DataCommand.Inspect.self).examples == 3)
  }

  @Test func benchEmbedTakesAPromptAndTextsPerForwardPass() throws {
    let e = try parse(["bench", "embed", "m"], as: BenchCommand.Embed.self)
    #expect(e.model == "m" && e.tsv == "data/kornlu/KorSTS/sts-test.tsv" && e.batch == 32 && e.prompt == "" && e.repeats == 3)
    #expect(try parse(["bench", "embed", "m", "--prompt", "query: ", "--batch", "64"], as: BenchCommand.Embed.self).prompt == "query: ")
  }

  /// `--batch-size` is triplets per step, as the recipe's `batch_size`; `--batch` (texts per
  /// forward pass elsewhere) is not an option of `bench train`.
  @Test func benchTrainTakesABatchSizeOfTriplets() throws {
    let t = try parse(["bench", "train", "m"], as: BenchCommand.Train.self)
    #expect(t.batchSize == 32 && t.prompt == "query: " && t.maxLength == 64 && t.hardNegatives == 1 && t.miniBatch == nil)
    #expect(t.steps == 5 && t.warmup && t.dropout && !t.profile && t.tsv == ["data/kornlu/KorNLI/xnli.dev.ko.tsv"])
    let g = try parse(
      ["bench", "train", "m", "--batch-size", "64", "--mini-batch", "16", "--hard-negatives", "0", "--prompt", "", "--no-warmup", "--no-dropout"],
      as: BenchCommand.Train.self)
    #expect(g.batchSize == 64 && g.miniBatch == 16 && g.hardNegatives == 0 && g.prompt == "" && !g.warmup && !g.dropout)

    #expect(refusal(["bench", "train", "m", "--batch-size", "32", "--mini-batch", "33"]).contains("--mini-batch must be between 1 and the batch (32)"))
    #expect(refusal(["bench", "train", "m", "--hard-negatives", "2"]).contains("--hard-negatives: 0 or 1"))
    #expect(refusal(["bench", "train", "m", "--batch", "32"]).contains("Unknown option '--batch'"))
  }

  @Test func benchParquetTakesAFileAndColumns() throws {
    #expect(try parse(["bench", "parquet", "f.parquet"], as: BenchCommand.ParquetRead.self).columnNames == nil)
    let b = try parse(["bench", "parquet", "f.parquet", "--columns", "query, positive"], as: BenchCommand.ParquetRead.self)
    #expect(b.file == "f.parquet" && b.columnNames == ["query", "positive"])
    #expect(refusal(["bench", "parquet", "f.parquet", "--columns", "query,,positive"]).contains("--columns: a comma-separated list"))
    #expect(refusal(["bench", "parquet", "f.parquet", "--columns", ""]).contains("--columns: a comma-separated list"))
  }

  @Test func benchMineTakesACorpusPrecision() throws {
    let m = try parse(["bench", "mine"], as: BenchCommand.Mine.self)
    #expect(m.passages == 100_000 && m.queries == 10_000 && m.dim == 384 && m.k == 100 && m.corpusPrecision == .f32)
    #expect(try parse(["bench", "mine", "--corpus-precision", "f16"], as: BenchCommand.Mine.self).corpusPrecision == EmbeddingChunks.Precision.f16)
    #expect(refusal(["bench", "mine", "--corpus-precision", "int8"]).contains("invalid for '--corpus-precision <corpus-precision>'"))
  }
}
