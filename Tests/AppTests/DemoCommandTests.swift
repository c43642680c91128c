import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Testing

/// `clickunlock demo` end to end: templates to virtual advisors, their taps, completed
/// deliveries; the dashboard's one-click link; `--quiet`; the data directory it accepts;
/// Ctrl-C (SIGINT) stops it cleanly.
@Suite struct DemoCommandTests {
    @Test func theDemoDeliversAndStopsCleanlyOnSIGINT() async throws {
        let data = TempDataDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = [
            "demo", "--data-dir", data.path + "/demo", "--contacts", "3", "--tap-after-ms", "50", "--no-faults",
        ]
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "CLICKUNLOCK_DASHBOARD_TOKEN" }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = CLI.Collector(out.fileHandleForReading)
        // Let the taps flow until the summary line (printed once a second) shows three deliveries, then
        // interrupt.
        let completedSoFar = { (text: String) in
            text.matches(of: /deliveries completed (\d+), failed 0/).compactMap { Int($0.1) }.max() ?? 0
        }
        _ = try await output.wait(seconds: 60) { completedSoFar($0) >= 3 }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let text = String(decoding: output.wait(), as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(text)")
        #expect(text.contains("templates: 3 accepted, 0 failed"), "\(text)")
        // More advisors get the template every few seconds, so at least the first three delivered.
        #expect(completedSoFar(text) >= 3, "\(text)")
        #expect(text.contains("  dashboard         http://127.0.0.1:"), "\(text)")
        #expect(text.contains("/#token="), "the one-click link carries the made-up token in its fragment: \(text)")
        #expect(text.contains("explore:"))
    }

    /// `--quiet` prints the dashboard's address alone; the page is there without a token, its data
    /// with the link's; an existing empty directory is a fine `--data-dir`.
    @Test func quietPrintsTheOneClickLinkThatSignsIn() async throws {
        let data = TempDataDirectory()  // exists, empty
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = [
            "demo", "--data-dir", data.path, "--contacts", "2", "--duration", "60", "--quiet", "--no-faults",
        ]
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "CLICKUNLOCK_DASHBOARD_TOKEN" }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        let link = seen.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = link.split(separator: "#token=", maxSplits: 1).map(String.init)
        #expect(parts.count == 2 && parts[0].hasPrefix("http://127.0.0.1:") && parts[0].hasSuffix("/"), "\(link)")
        let base = parts.first ?? ""
        let token = parts.count == 2 ? parts[1] : ""

        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        func get(_ path: String, token: String? = nil) async throws -> (UInt, String) {
            var request = HTTPClientRequest(url: base + path)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await http.execute(request, timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 1 << 20)
            return (response.status.code, response.headers.first(name: "Content-Type") ?? "")
        }
        do {
            let page = try await get("")
            #expect(page == (200, "text/html; charset=utf-8"))
            #expect(try await get("api/webhook/health").0 == 401)
            #expect(try await get("api/webhook/health", token: token).0 == 200)
        } catch {
            Issue.record("the dashboard did not answer: \(error)")
        }
        try await http.shutdown()

        let rest = CLI.Collector(out.fileHandleForReading)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: rest.wait(), as: UTF8.self).isEmpty, "--quiet prints the address only")
        #expect(FileManager.default.fileExists(atPath: data.path + "/log"))
    }

    @Test func aDirectoryThatIsNeitherEmptyNorADemosIsRefusedAndKept() throws {
        let data = TempDataDirectory()
        let mine = data.path + "/notes.txt"
        _ = FileManager.default.createFile(atPath: mine, contents: Data("mine".utf8))
        let result = try CLI.run(["demo", "--data-dir", data.path, "--duration", "1"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("is not empty and is not a demo directory"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: mine))
    }
}
