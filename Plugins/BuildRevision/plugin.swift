import Foundation
import PackagePlugin

/// Writes `BuildRevision.swift` (`let buildRevision = "<git revision>"`) before every build of
/// the target that uses it: `git describe --always --dirty` of the package's checkout, or
/// "unknown" outside a git checkout or without git. The file is rewritten only when the revision
/// changes, so an unchanged tree recompiles nothing.
@main
struct BuildRevision: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let output = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
    let script = """
      set -e
      mkdir -p "$2"
      rev=$(git -C "$1" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
      new="let buildRevision = \\"$rev\\""
      if [ "$(cat "$2/BuildRevision.swift" 2>/dev/null)" != "$new" ]; then printf '%s\\n' "$new" > "$2/BuildRevision.swift"; fi
      """
    return [
      .prebuildCommand(
        displayName: "Git revision of \(context.package.directoryURL.lastPathComponent)",
        executable: URL(fileURLWithPath: "/bin/sh"),
        arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
        outputFilesDirectory: output)
    ]
  }
}
