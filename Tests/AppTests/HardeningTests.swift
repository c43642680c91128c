import Adapters
import Domain
import EventStore
import Foundation
import Testing

/// Issue 13's reproductions, through real processes: the poison click, empty secrets, an http
/// Graph URL, and terminal control characters in `replay`.
@Suite(.serialized) struct HardeningTests {
    static let secret = "hardening-test-secret"

    static func sign(_ body: [UInt8]) -> String { WebhookSignature(appSecret: secret).header(for: body) }

    /// A click whose timestamp (`"99999999999999999"`) trapped the conversations projection and
    /// the click decider, then every restart. Now: acknowledged, decided, projected; the service
    /// keeps serving, restarts cleanly after SIGKILL, and `replay` and `rebuild --check` work.
    @Test func thePoisonClickNeitherStopsTheServiceNorItsRestart() async throws {
        let data = TempDataDirectory()
        writeDefaultManifest(data.path)
        let port = try #require(freeLocalPort())
        let sim = try await LocalSimulator(webhookPort: port, secret: Self.secret)
        defer { sim.process.terminate() }
        var server = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, port: port, arguments: sim.serveArguments,
            environment: sim.serveEnvironment, stderr: data.path + "/serve.err")
        let poison = MetaWebhooks.buttonTap(
            .init(phoneNumberId: LocalSimulator.number), wamid: "wamid.POISON", from: "15557770001",
            context: "wamid.TPL1",
            payload: "unlock:2026-11-24", timestamp: 99_999_999_999_999_999)
        #expect(String(decoding: poison, as: UTF8.self).contains("\"99999999999999999\""))
        #expect(await server.post(poison, signature: Self.sign(poison)) == 200)
        let next = clickBody(wamid: "wamid.NEXT", from: "15557770002", context: "wamid.TPL2")
        #expect(await server.post(next, signature: Self.sign(next)) == 200)
        let events = try await waitForLog(data.logPath, seconds: 30) { count($0, .deliveryCompleted) == 2 }
        #expect(count(events, .deliveryCompleted) == 2, "both taps get their pack (an unknown tap time is not stale)")
        #expect(server.process.isRunning)
        let stored = try #require(events.compactMap(ButtonClicked.init).first { $0.wamid == "wamid.POISON" })
        #expect(stored.timestamp == 0 && stored.timestampRaw == "99999999999999999")

        server.kill()
        server = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, port: port, arguments: sim.serveArguments,
            environment: sim.serveEnvironment, stderr: data.path + "/serve2.err")
        let after = clickBody(wamid: "wamid.AFTER", from: "15557770003", context: "wamid.TPL3")
        #expect(await server.post(after, signature: Self.sign(after)) == 200)
        _ = try await waitForLog(data.logPath, seconds: 30) { count($0, .deliveryCompleted) == 3 }
        #expect(server.process.isRunning)
        server.kill(SIGTERM)
        #expect(server.process.terminationStatus == 0)

        let replay = try CLI.run(["replay", "--data-dir", data.path, "--format", "text"])
        #expect(replay.status == 0)
        #expect(replay.stdout.contains("\"timestamp_raw\":\"99999999999999999\""))
        let check = try CLI.run(["rebuild", "--data-dir", data.path, "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        await sim.stop()
    }

    @Test func emptyBlankOrShortSecretsRefuseToStartNamingTheSettingAndItsSource() throws {
        let data = TempDataDirectory()
        let config = data.path + "/config.json"
        func serve(_ environment: [String: String], file: String? = nil) throws -> CLI.Result {
            var arguments = ["serve", "--data-dir", data.path, "--webhook-port", "0", "--host", "127.0.0.1"]
            if let file {
                try Data(file.utf8).write(to: URL(fileURLWithPath: config))
                arguments += ["--config", config]
            }
            return try CLI.run(arguments, environment: environment)
        }
        let emptyInFile = try serve([:], file: "{\"app_secret\": \"\"}")
        #expect(emptyInFile.status == 78)
        #expect(emptyInFile.stderr.contains("app_secret from the config file \(config)"), "\(emptyInFile.stderr)")
        #expect(emptyInFile.stderr.contains("is empty"))

        let blankVerify = try serve(["WHATSAPP_APP_SECRET": Self.secret, "WHATSAPP_VERIFY_TOKEN": "   "])
        #expect(blankVerify.status == 78)
        #expect(
            blankVerify.stderr.contains("verify_token from the environment variable WHATSAPP_VERIFY_TOKEN is blank"))

        let emptyEnvironment = try serve(["WHATSAPP_APP_SECRET": ""], file: "{\"app_secret\": \"\(Self.secret)\"}")
        #expect(emptyEnvironment.status == 78, "a set but empty variable is not silently ignored")
        #expect(emptyEnvironment.stderr.contains("WHATSAPP_APP_SECRET is empty"))

        let shortToken = try serve(["WHATSAPP_APP_SECRET": Self.secret, "CLICKUNLOCK_DASHBOARD_TOKEN": "Tiny-42"])
        #expect(shortToken.status == 78)
        #expect(shortToken.stderr.contains("dashboard_token"))
        #expect(shortToken.stderr.contains("at least 16"))
        #expect(!shortToken.stderr.contains("Tiny-42"), "a secret is never printed")

        let newline = try serve(["WHATSAPP_APP_SECRET": Self.secret + "\n"])
        #expect(newline.status == 78)
        #expect(newline.stderr.contains("line break"))

        for result in [emptyInFile, blankVerify, emptyEnvironment, shortToken, newline] {
            #expect(!result.stderr.contains("secret set") && !result.stdout.contains("ready"))
        }
    }

    /// Settings that the service scales or adds to times: out of range is refused, never overflowed.
    @Test func numbersOutOfRangeAreRefusedAtStart() throws {
        let data = TempDataDirectory()
        let environment = ["WHATSAPP_APP_SECRET": Self.secret]
        for (flag, value) in [
            ("--dedupe-window-days", "9223372036854775807"), ("--confirmation-wait-ms", "9223372036854775807"),
            ("--reconcile-wait-ms", "-1"), ("--messages-per-second", "inf"), ("--messages-per-second", "nan"),
        ] {
            let result = try CLI.run(
                ["serve", "--data-dir", data.path, "--webhook-port", "0", "\(flag)=\(value)"], environment: environment)
            #expect(result.status == 78, "\(flag) \(value): \(result.stderr)")
            #expect(!result.stdout.contains("ready"))
        }
        for duration in ["inf", "1e300", "nan"] {
            let demo = try CLI.run(["demo", "--data-dir", data.path + "/demo", "--duration", duration])
            #expect(demo.status == 64, "--duration \(duration): \(demo.stderr)")
        }
    }

    @Test func theGraphBaseURLMustBeHTTPSUnlessLoopback() throws {
        let data = TempDataDirectory()
        let result = try CLI.run(
            ["serve", "--data-dir", data.path, "--webhook-port", "0", "--graph-base-url", "http://graph.example.com"],
            environment: ["WHATSAPP_APP_SECRET": Self.secret])
        #expect(result.status == 78)
        #expect(result.stderr.contains("must use https"), "\(result.stderr)")
        #expect(result.stderr.contains("graph_base_url"))
    }

    /// Escape sequences and bidirectional overrides in stored data never reach the terminal.
    @Test func replayEscapesControlAndBidirectionalCharacters() async throws {
        let data = TempDataDirectory()
        let hostile = "15551\u{1B}[2J\u{7}\u{202E}evil\u{9B}"
        let log = try EventLog.open(directory: data.logPath)
        let message = MessageReceived(
            wamid: "wamid.X", sender: Sender(waId: hostile, profileName: hostile), messageType: "text",
            timestamp: 1_764_000_000,
            textPreview: hostile)
        try await log.append([message.newEvent()])
        await log.close()
        for format in ["text", "jsonl"] {
            let result = try CLI.run(["replay", "--data-dir", data.path, "--format", format])
            #expect(result.status == 0)
            let unsafe = result.stdout.unicodeScalars.filter { ControlCharacters.isUnsafe($0) && $0 != "\n" }
            #expect(unsafe.isEmpty, "\(format): \(unsafe.map(\.value))")
            if format == "jsonl" {
                let line = try #require(jsonObject(result.lines[0]))
                #expect(line["stream"] as? String == hostile, "escaped as JSON, the value is unchanged")
                #expect((line["data"] as? [String: Any])?["text_preview"] as? String == hostile)
            } else {
                #expect(result.stdout.contains("[15551\\u{1b}[2J\\u{7}\\u{202e}evil\\u{9b}]"), "\(result.stdout)")
            }
        }
    }
}
