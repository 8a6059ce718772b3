import Autograd
import Communication
import Foundation

extension TrainingRun {
  /// Rank 0 takes the output directory's lock, removes what interrupted runs left there and,
  /// for a fresh run, refuses (or with `overwrite` moves aside) an earlier run's work; the other
  /// ranks wait for it. Refuses an empty output path (it would be the current directory).
  func openOutputDirectory(fresh: Bool) throws -> RunLock? {
    guard !recipe.output.trimmingCharacters(in: .whitespaces).isEmpty else { throw RunDirectoryError.emptyOutput(recipe: recipe.file) }
    let comm = communicator
    guard comm.isRoot else {
      if comm.size > 1 { try comm.waitForAll() }
      return nil
    }
    let lock = try RunLock.acquire(in: outputDirectory) { emit(.warning($0)) }
    do {
      for path in RunDirectory.removeLeftovers(outputDirectory) {
        emit(.warning("removed \(path), left by an interrupted run"))
      }
      if fresh, let aside = try RunDirectory.prepareFresh(outputDirectory, overwrite: overwrite) {
        emit(.movedAside(aside))
      }
      if comm.size > 1 { try comm.waitForAll() }
    } catch {
      lock.release()
      throw error
    }
    return lock
  }

  /// The checkpoint `resume` names, on every rank: rank 0 picks it (the newest, for `.latest`)
  /// and checks it — its state readable and in range for the recipe, its files matching their
  /// checksums (unless `verifyChecksums` is off). A damaged checkpoint is an error naming it,
  /// why, and the newest earlier checkpoint that is whole: the run does not fall back by
  /// itself, because that would silently drop the steps after it.
  func checkpoint(toResume resume: Resume) throws -> URL? {
    let comm = communicator
    var chosen: URL?
    if comm.isRoot {
      switch resume {
      case .none: chosen = nil
      case .checkpoint(let url):
        try checkResumable(url, among: Checkpoint.directories(in: url.deletingLastPathComponent()))
        chosen = url
      case .latest, .latestIfAny:
        let all = Checkpoint.directories(in: checkpointsDirectory)
        if let newest = all.last {
          try checkResumable(newest, among: all)
          chosen = newest
        }
      }
    }
    if comm.size > 1 {
      let path = try comm.broadcast(comm.isRoot ? chosen?.path ?? "" : "")
      chosen = path.isEmpty ? nil : URL(fileURLWithPath: path)
    }
    if chosen == nil && resume == .latest { throw TrainingError.noCheckpoint(directory: checkpointsDirectory.path) }
    return chosen
  }

  /// Throws `damagedCheckpoint` when `url` cannot be resumed from, naming the newest whole
  /// checkpoint before it among `all`.
  private func checkResumable(_ url: URL, among all: [URL]) throws {
    guard let reason = try damage(of: url) else { return }
    let earlier = all.filter { $0.lastPathComponent < url.lastPathComponent }.reversed()
    let previous = try earlier.first { try damage(of: $0) == nil }
    throw RunDirectoryError.damagedCheckpoint(path: url.path, reason: reason, previous: previous?.path, recipe: recipe.file)
  }

  /// Why checkpoint `url` is damaged, nil when it is whole. A checkpoint of another recipe is
  /// not damaged: that is an error of its own.
  private func damage(of url: URL) throws -> String? {
    let stateURL = url.appendingPathComponent("trainer_state.json")
    let state: TrainerState
    do {
      state = try TrainerState.read(stateURL)
    } catch TrainingError.checkpoint(_, let detail) {
      return FileManager.default.fileExists(atPath: stateURL.path) ? "trainer_state.json: \(detail)" : "it has no trainer_state.json"
    }
    guard state.recipeHash == recipeHash else {
      throw TrainingError.checkpoint(
        path: url.path, detail: "was written by a different recipe (or other --set overrides); resume with the same recipe")
    }
    do {
      try state.validate(against: recipe, file: stateURL, checkpointName: url.lastPathComponent)
    } catch let error as RunDirectoryError {
      if case .badState(_, let key, let detail) = error { return "trainer_state.json: \(key): \(detail)" }
      throw error
    }
    return verifyChecksums ? Checkpoint.damage(of: url, state: state) : nil
  }

  /// Whether to stop before the next step: rank 0's `stopRequested`, on every rank (so all
  /// stop at the same step).
  func stopNow() throws -> Bool {
    let comm = communicator
    let mine = comm.isRoot && stopRequested()
    guard comm.size > 1 else { return mine }
    return try comm.broadcast([mine ? 1 : 0], root: 0)[0] == 1
  }

  /// Ends the run when asked: a checkpoint of where it stands, reported. True when it stopped.
  func stopIfRequested(_ setup: Setup, _ progress: inout Progress, optimizer: AdamW?) throws -> Bool {
    guard try stopNow() else { return false }
    try checkpointOnce(setup, &progress, optimizer: optimizer)
    emit(.stopped(globalStep: progress.state.globalStep, checkpoint: progress.lastCheckpoint))
    return true
  }

  /// A checkpoint of this step, unless the step wrote one already (a checkpoint step, a
  /// stage's end, the checkpoint a run resumed from): for a stop at `maxSteps` or on request.
  func checkpointOnce(_ setup: Setup, _ progress: inout Progress, optimizer: AdamW?) throws {
    let url = checkpointsDirectory.appendingPathComponent(Checkpoint.name(globalStep: progress.state.globalStep))
    if progress.lastCheckpoint?.standardizedFileURL.path != url.standardizedFileURL.path {
      try checkpoint(setup, &progress, optimizer: optimizer)
    }
  }
}
