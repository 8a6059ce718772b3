import Foundation
import TestSupport
import Testing

@testable import Reports

/// The report of two runs in a real browser: headless Chromium parses the page (every chart an
/// SVG element, the hover titles in the DOM) and draws it (a screenshot that is not blank).
/// Skipped where no `chromium` is installed (`TRAINER_BROWSER=1 tools/setup.sh`); under CI
/// `RequiredFixturesTests` fails instead.
@Suite(.needsChromium)
struct ReportBrowserTests {

  /// Runs Chromium headless with `arguments`; its standard output.
  func chromium(_ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Fixtures.chromium!)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"] + arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  @Test func twoRunsRenderWithTheirCurvesBaselineAndHoverTitles() throws {
    let suite = RunComparisonTests()
    let a = try suite.run("base-lr", dev: [0.70, 0.78, 0.81], final: 0.80, info: suite.info)
    let b = try suite.run("high-lr", dev: [0.70, 0.75, 0.84], final: 0.83)
    let page = a.deletingLastPathComponent().appendingPathComponent("compare.html")
    let html = RunReport.html([try RunLog.read(directory: a.path), try RunLog.read(directory: b.path)])
    try html.write(to: page, atomically: true, encoding: .utf8)
    // the DOM as the browser built it
    let dom = try chromium(["--dump-dom", page.absoluteString])
    #expect(dom.components(separatedBy: "<svg ").count == html.components(separatedBy: "<svg ").count)
    #expect(dom.contains("<title>base-lr: step 6, 0.8100</title>") && dom.contains("<title>high-lr: step 6, 0.8400</title>"))
    #expect(dom.contains("base-lr before training (step 0)"))
    // the drawing: a screenshot of the page, far larger than a blank one
    let png = a.deletingLastPathComponent().appendingPathComponent("compare.png")
    _ = try chromium(["--screenshot=\(png.path)", "--window-size=1200,2000", page.absoluteString])
    let bytes = try Data(contentsOf: png)
    #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    #expect(bytes.count > 50_000, "screenshot of \(bytes.count) bytes: \(png.path)")
  }
}
