import Foundation
import Recipes
import TestSupport
import Testing

/// Every recipe number is range-checked where it is read, in Float where it is used as a Float
/// (a value that rounds to 0 or 1, or overflows to infinity, in Float is refused), and the error
/// names the file, line and key.
extension RecipeTests {
  @Test func lengthLimitsBelowTwoAreRefused() throws {
    try expectError(valid.replacingOccurrences(of: "max_length: 64", with: "max_length: 1"),
                    "r.recipe:3:", "model.max_length", "at least 2")
    try expectError(valid, overrides: ["model.max_length=0"], "model.max_length", "at least 2")
    // a cross-encoder's pair needs <s> a </s></s> b </s>: four special tokens
    try expectError(valid, overrides: ["model.max_length=3", "model.cross_encoder=true"], "model.max_length", "at least 4")
    #expect(try Recipe.load(path: try write(valid), overrides: ["model.max_length=2"]).model.maxLength == 2)
  }

  @Test func optimizerSettingsAreCheckedInFloat() throws {
    try expectError(valid.replacingOccurrences(of: "lr: 2.0e-5", with: "lr: 2.0e-5\n      eps: 0"),
                    "r.recipe:22:", "stages.0.optimizer.eps", "positive")
    try expectError(valid, overrides: ["stages.0.optimizer.eps=-1"], "stages.0.optimizer.eps", "positive")
    try expectError(valid, overrides: ["stages.0.optimizer.eps=1e-50"], "stages.0.optimizer.eps", "rounds to 0 as a 32-bit float")
    try expectError(valid, overrides: ["stages.0.optimizer.weight_decay=-5"], "stages.0.optimizer.weight_decay", "0 or more")
    try expectError(valid, overrides: ["stages.0.optimizer.weight_decay=1e39"], "stages.0.optimizer.weight_decay", "infinite as a 32-bit float")
    try expectError(valid, overrides: ["stages.0.optimizer.lr=1e39"], "stages.0.optimizer.lr", "infinite as a 32-bit float")
    try expectError(valid, overrides: ["stages.0.optimizer.lr=1e-50"], "stages.0.optimizer.lr", "rounds to 0 as a 32-bit float")
    try expectError(valid, overrides: ["stages.0.optimizer.lr=0"], "stages.0.optimizer.lr", "positive")
    try expectError(valid.replacingOccurrences(of: "[0.9, 0.98]", with: "[0.9, 0.99999999]"),
                    "r.recipe:22:", "stages.0.optimizer.betas.1", "rounds to 1 as a 32-bit float")
    try expectError(valid, overrides: ["stages.0.optimizer.betas=[-0.1, 0.9]"], "stages.0.optimizer.betas.0", "in [0, 1)")
    try expectError(valid, overrides: ["stages.0.optimizer.betas=[0.9]"], "stages.0.optimizer.betas", "two numbers")
    let r = try Recipe.load(path: try write(valid), overrides: ["stages.0.optimizer.eps=1e-6", "stages.0.optimizer.weight_decay=0"])
    #expect(r.stages[0].optimizer.settings.eps == 1e-6 && r.stages[0].optimizer.settings.weightDecay == 0)
  }

  @Test func scheduleClippingAndCountsAreChecked() throws {
    try expectError(valid, overrides: ["stages.1.schedule.warmup_steps=-5"], "stages.1.schedule.warmup_steps", "0 or more")
    #expect(try Recipe.load(path: try write(valid), overrides: ["stages.1.schedule.warmup_steps=0"]).stages[1].schedule.warmupSteps == 0)
    try expectError(valid.replacingOccurrences(of: "    dropout: false", with: "    dropout: false\n    max_grad_norm: 0"),
                    "r.recipe:34:", "stages.1.max_grad_norm", "positive")
    try expectError(valid, overrides: ["stages.1.max_grad_norm=-1"], "stages.1.max_grad_norm", "positive")
    try expectError(valid, overrides: ["stages.1.max_grad_norm=1e39"], "stages.1.max_grad_norm", "infinite as a 32-bit float")
    // clipping at 1.0 unless a stage says otherwise (Hugging Face's default); null turns it off
    #expect(!valid.contains("max_grad_norm"))
    let clipped = try Recipe.load(path: try write(valid), overrides: ["stages.1.max_grad_norm=0.5"])
    #expect(clipped.stages[0].maxGradNorm == 1.0 && clipped.stages[1].maxGradNorm == 0.5)
    for off in ["null", "~"] {
      #expect(try Recipe.load(path: try write(valid), overrides: ["stages.0.max_grad_norm=\(off)"]).stages[0].maxGradNorm == nil)
    }
    let written = valid.replacingOccurrences(of: "    dropout: false", with: "    dropout: false\n    max_grad_norm: null")
    #expect(try Recipe.load(path: try write(written)).stages[1].maxGradNorm == nil)
    try expectError(valid, overrides: ["stages.1.batch_size=0"], "stages.1.batch_size", "positive")
    try expectError(valid, overrides: ["stages.0.epochs=0"], "stages.0.epochs", "positive")
    try expectError(valid, overrides: ["stages.1.eval_every=0"], "stages.1.eval_every", "positive")
    try expectError(valid, overrides: ["stages.1.checkpoint={every: 2, keep: 0}"], "stages.1.checkpoint.keep", "positive")
  }

  @Test func lossScalesAreCheckedInFloat() throws {
    try expectError(valid, overrides: ["stages.0.loss.temperature=1e-50"], "stages.0.loss.temperature", "rounds to 0 as a 32-bit float")
    try expectError(valid, overrides: ["stages.0.loss.temperature=1e-39"], "stages.0.loss.temperature", "1/temperature", "infinite")
    try expectError(valid, overrides: ["stages.0.loss.temperature=1e39"], "stages.0.loss.temperature", "infinite as a 32-bit float")
    try expectError(valid, overrides: ["stages.1.loss.scale=1e39"], "stages.1.loss.scale", "infinite as a 32-bit float")
    try expectError(valid, overrides: ["stages.1.loss.scale=-1"], "stages.1.loss.scale", "positive")
    try expectError(valid, overrides: ["stages.0.loss.distill={kind: kl, temperature: 1e39}"], "stages.0.loss.distill.temperature", "infinite")
    try expectError(valid, overrides: ["stages.0.loss.distill={kind: kl, weight: 1e39}"], "stages.0.loss.distill.weight", "infinite")
    try expectError(valid, overrides: ["stages.0.loss.distill={kind: kl, infonce_weight: -1}"], "stages.0.loss.distill.infonce_weight", "0 or more")
    try expectError(valid, overrides: ["stages.0.loss.distill={kind: kl, weight: 0, infonce_weight: 0}"], "stages.0.loss.distill", "not both 0")
    try expectError(valid, overrides: ["model.cross_encoder=true", "stages.0.loss={kind: binary, max_score: 1e39}"],
                    "stages.0.loss.max_score", "infinite")
  }

  @Test func evaluationAndPrepareNumbersAreChecked() throws {
    // an STS set needs two pairs for a correlation
    try expectError(valid.replacingOccurrences(of: "    path: DIR/sts.tsv\nstages:", with: "    path: DIR/sts.tsv\n    limit: 1\nstages:"),
                    "r.recipe:10:", "evaluation.0.limit", "at least 2")
    #expect(try Recipe.load(path: try write(valid), overrides: ["evaluation.0.limit=2"]).evaluation[0].limit == 2)
    try expectError(valid + "\nbest: {set: dev, min_delta: 1e400}\n", "best.min_delta", "expected a number")
    try expectError(valid + "\nbest: {set: dev, patience: 0}\n", "best.patience", "positive")
    try expectError(valid, overrides: ["stages.0.data.0.weight=0", "stages.0.mixing=per_source"], "stages.0.data.0.weight", "positive")
    func mine(_ settings: String) -> String {
      valid.replacingOccurrences(
        of: "stages:\n  - name: nli", with: "prepare:\n  - mine: {data: DIR/d.h5, rank_window: [1, 5]\(settings)}\nstages:\n  - name: nli")
    }
    try expectError(mine(", margin: -1"), "prepare.0.mine.margin", "0 or more")
    try expectError(mine(", margin: 1e39"), "prepare.0.mine.margin", "infinite")
    try expectError(mine(", relative_margin: 1"), "prepare.0.mine.relative_margin", "in [0, 1)")
    try expectError(mine(", k: 0"), "prepare.0.mine.k", "positive")
    guard case .mine(_, _, _, let margin, let relative, _) = try Recipe.load(path: try write(mine(", margin: 0.1, relative_margin: 0.02"))).prepare[0]
    else { Issue.record("not a mine step"); return }
    #expect(margin == 0.1 && relative == 0.02)
  }
}
