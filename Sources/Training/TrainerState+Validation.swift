import Foundation
import Recipes

extension TrainerState {
  /// Checks the state read from `file` against the recipe and its checkpoint directory's name
  /// (`step-NNNNNNN`): the stage exists and has this name, the steps lie within the stage's
  /// total, the epoch within the stage's epochs, counts are not negative. Errors name the file
  /// and the key. (The batch within the epoch is checked against the epoch's batches when the
  /// run has loaded its data.)
  func validate(against recipe: Recipe, file: URL, checkpointName: String?) throws {
    func bad(_ key: String, _ detail: String) -> RunDirectoryError { .badState(path: file.path, key: key, detail: detail) }
    guard stage >= 0 && stage < recipe.stages.count else {
      throw bad("stage", "\(stage) is not a stage of the recipe (it has \(recipe.stages.count), numbered from 0)")
    }
    let s = recipe.stages[stage]
    guard stageName == s.name else { throw bad("stage_name", "'\(stageName)', but stage \(stage) of the recipe is '\(s.name)'") }
    if let steps = s.steps, stageSteps > steps || (stageSteps < steps && stoppedEarly != true) {
      throw bad("stage_steps", "\(stageSteps), but stage '\(s.name)' has \(steps) steps")
    }
    guard stageSteps >= 0 else { throw bad("stage_steps", "\(stageSteps) is negative") }
    guard stageStep >= 0 && stageStep <= stageSteps else { throw bad("stage_step", "\(stageStep) is not within the stage's 0…\(stageSteps) steps") }
    guard globalStep >= stageStep else { throw bad("global_step", "\(globalStep) is below stage_step \(stageStep)") }
    if let checkpointName, checkpointName.hasPrefix("step-"), checkpointName != Checkpoint.name(globalStep: globalStep) {
      throw bad("global_step", "\(globalStep), but the checkpoint is \(checkpointName)")
    }
    let epochs = s.epochs ?? 1
    guard epoch >= 0 && (s.steps != nil || epoch < epochs) else {
      throw bad("epoch", "\(epoch) is not within the stage's \(s.steps != nil ? "epochs" : "\(epochs) epoch(s)")")
    }
    guard batchInEpoch >= 0 else { throw bad("batch_in_epoch", "\(batchInEpoch) is negative") }
    guard optimizerStep >= 0 && optimizerStep <= stageStep else {
      throw bad("optimizer_step", "\(optimizerStep) is not within 0…\(stageStep) (the stage's steps so far)")
    }
    if let worldSize, worldSize < 1 { throw bad("world_size", "\(worldSize) is below 1") }
    if let n = evaluationsWithoutImprovement, n < 0 { throw bad("evaluations_without_improvement", "\(n) is negative") }
  }
}
