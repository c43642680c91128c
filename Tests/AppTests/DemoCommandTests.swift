import Foundation
import Testing

/// `clickunlock demo` end to end: templates to virtual advisors, their taps, completed
/// deliveries; Ctrl-C (SIGINT) stops it cleanly.
@Suite struct DemoCommandTests {
    @Test func theDemoDeliversAndStopsCleanlyOnSIGINT() async throws {
        let data = TempDataDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["demo", "--data-dir", data.path + "/demo", "--contacts", "3", "--tap-after-ms", "50"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = CLI.Collector(out.fileHandleForReading)
        // Let the taps flow (the summary line is printed once a second), then interrupt.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline,
            (try? logEvents(data.path + "/demo/log"))?.count(where: { $0.type == "delivery.completed" }) ?? 0 < 3
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Task.sleep(for: .milliseconds(1200))
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let text = String(decoding: output.wait(), as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(text)")
        #expect(text.contains("templates: 3 accepted, 0 failed"), "\(text)")
        #expect(text.contains("deliveries completed 3, failed 0"), "\(text)")
        #expect(text.contains("explore:"))
    }
}
