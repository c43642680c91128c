import Foundation
import Testing

@Suite struct ServeCommandTests {
    @Test func refusesToStartWithoutAnAppSecret() throws {
        let data = TempDataDirectory()
        let result = try CLI.run(["serve", "--data-dir", data.path, "--webhook-port", "0"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("WHATSAPP_APP_SECRET"))
        #expect(result.stderr.contains("--insecure-skip-signature-check"))
    }

    @Test func aBadConfigFileIsNamedWithTheReason() throws {
        let data = TempDataDirectory()
        let path = data.path + "/config.json"
        try Data("{\"webhook_port\": \"three thousand\"}".utf8).write(to: URL(fileURLWithPath: path))
        let wrongType = try CLI.run(["serve", "--config", path])
        #expect(wrongType.status == 78)
        #expect(wrongType.stderr.contains("webhook_port"))
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        let notJSON = try CLI.run(["serve", "--config", path])
        #expect(notJSON.status == 78)
        #expect(notJSON.stderr.contains("not valid JSON"))
        let tooBig = try CLI.run(["serve", "--data-dir", data.path, "--body-limit", "\(64 << 20)"])
        #expect(tooBig.status == 78)
        #expect(tooBig.stderr.contains("body limit"))
        let noWait = try CLI.run(["serve", "--data-dir", data.path, "--projections-max-yield", "0"])
        #expect(noWait.status == 78)
        #expect(noWait.stderr.contains("projections' longest wait"))
        let missing = try CLI.run(["serve", "--config", data.path + "/nope.json"])
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("cannot read the config file"))
    }

    /// Settings from a config file; secrets never appear in what the service logs; SIGTERM stops it
    /// gracefully (log closed, exit 0).
    @Test func configFileSecretsStayOutOfTheLogsAndSIGTERMStopsCleanly() async throws {
        let data = TempDataDirectory()
        let path = data.path + "/config.json"
        let config = """
            {"data_dir": "\(data.path)", "host": "127.0.0.1", "webhook_port": 0, "app_secret": "SECRET-app-secret-4242",
             "verify_token": "SECRET-verify-4242", "access_token": "SECRET-access-4242",
             "phone_number_ids": ["106540352242922"],
             "projections_yield_above": 500, "projections_max_yield_seconds": 7}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        // A token and a number turn delivery on, which needs a content manifest.
        writeDefaultManifest(data.path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["serve", "--config", path]
        process.environment = ["LOG_LEVEL": "debug"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errors = CLI.Collector(err.fileHandleForReading)
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("ready webhook-port=") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        let port =
            Int(
                String(decoding: seen, as: UTF8.self).split(separator: "=").last?.trimmingCharacters(
                    in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(port > 0)
        // A rejected request, so that the logs have something to (not) say about it.
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/webhook")!)
        request.httpMethod = "POST"
        request.httpBody = Data("{\"object\":\"whatsapp_business_account\"}".utf8)
        request.setValue("sha256=" + String(repeating: "0", count: 64), forHTTPHeaderField: "X-Hub-Signature-256")
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 401)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let logs = String(decoding: errors.wait(), as: UTF8.self)
        #expect(logs.contains("app secret set"))
        #expect(logs.contains("projections wait out bursts above 500 events/s for up to 7 s"))
        #expect(logs.contains("stopped: log closed"))
        #expect(logs.contains("reason=mismatch"))
        #expect(!logs.contains("SECRET-"))
        #expect(!logs.contains("whatsapp_business_account"))
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
