import Testing

@testable import TrainerCLI

/// Every numeric flag out of its range is refused with the flag's name, before anything runs
/// (`--batch 0` used to trap `trainer mine` and `trainer score`).
@Suite struct NumericFlagsTests {
  @Test func batchesMustHoldATextOrPair() {
    #expect(refusal(["mine", "d.h5", "--model", "m", "--batch", "0"]).contains("--batch must be at least 1, got 0"))
    #expect(refusal(["score", "t", "d.h5", "--batch", "0"]).contains("--batch must be at least 1, got 0"))
    #expect(refusal(["score", "t", "d.h5", "--batch=-3"]).contains("--batch must be at least 1, got -3"))
    #expect(refusal(["bench", "embed", "m", "--batch", "0"]).contains("--batch must be at least 1, got 0"))
    #expect(refusal(["bench", "train", "m", "--batch-size", "0"]).contains("--batch-size must be at least 1, got 0"))
  }

  @Test func lengthsLeaveRoomForTheSpecialTokens() {
    #expect(refusal(["mine", "d.h5", "--model", "m", "--max-length", "0"]).contains("--max-length must be at least 2"))
    #expect(refusal(["score", "t", "d.h5", "--max-length", "3"]).contains("--max-length must be at least 4 (a pair: <s> a </s></s> b </s>), got 3"))
    #expect(refusal(["bench", "train", "m", "--max-length", "1"]).contains("--max-length must be at least 2, got 1"))
    #expect(refusal(["score", "t", "d.h5", "--max-length", "4"]) == "accepted")
  }

  @Test func countsAndThreadsArePositive() {
    #expect(refusal(["embed", "m", "--input", "a", "--output", "b", "--threads", "0"]).contains("--threads must be at least 1, got 0"))
    #expect(refusal(["mine", "d.h5", "--model", "m", "--threads=-2"]).contains("--threads must be at least 1, got -2"))
    #expect(refusal(["bench", "embed", "m", "--repeats", "0"]).contains("--repeats must be at least 1, got 0"))
    #expect(refusal(["bench", "train", "m", "--steps", "0"]).contains("--steps must be at least 1, got 0"))
    for flag in ["--passages", "--queries", "--dim", "--k", "--chunk-rows", "--queries-per-block"] {
      #expect(refusal(["bench", "mine", flag, "0"]).contains("\(flag) must be at least 1, got 0"), "\(flag)")
    }
    #expect(refusal(["bench", "mine", "--passages", "4611686018427387904"]).contains("--passages × --dim"))
  }

  /// Found after the first fixes: `data inspect --examples -1` trapped in `0..<-1`, a negative
  /// `run --max-steps` and gradcheck's numbers were taken as they came.
  @Test func stepsExamplesAndGradCheckNumbers() {
    #expect(refusal(["run", "r.recipe", "--max-steps", "0"]).contains("--max-steps must be at least 1, got 0"))
    #expect(refusal(["run", "r.recipe", "--max-steps", "1"]) == "accepted")
    #expect(refusal(["data", "inspect", "d.h5", "--examples=-1"]).contains("--examples must be at least 0, got -1"))
    #expect(refusal(["data", "inspect", "d.h5", "--examples", "0"]) == "accepted")
    #expect(refusal(["gradcheck", "--entries=-2"]).contains("--entries must be at least 0, got -2"))
    #expect(refusal(["gradcheck", "--tolerance", "0"]).contains("--tolerance must be a number above 0"))
    #expect(refusal(["gradcheck", "--step", "nan"]).contains("--step must be a number above 0"))
    #expect(refusal(["gradcheck", "--step", "0.001"]) == "accepted")
  }

  @Test func marginsAreFiniteAndInRange() {
    let base = ["mine", "d.h5", "--model", "m"]
    #expect(refusal(base + ["--margin=-0.1"]).contains("--margin must be 0 or more"))
    #expect(refusal(base + ["--margin", "inf"]).contains("--margin must be 0 or more"))
    #expect(refusal(base + ["--relative-margin", "1"]).contains("--relative-margin must be in [0, 1)"))
    #expect(refusal(base + ["--relative-margin", "nan"]).contains("--relative-margin must be in [0, 1)"))
    #expect(refusal(base + ["--margin", "0.1", "--relative-margin", "0.05"]) == "accepted")
  }
}
