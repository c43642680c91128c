import Adapters
import AsyncHTTPClient
import Delivery
import Domain
import EventStore
import Foundation
import NIOCore
import NIOPosix
import Testing

/// `send-template`, `graph-sim` and `serve`'s delivery settings, as child processes.
@Suite(.serialized) struct DeliveryCommandTests {
    static let secret = "delivery-command-secret"

    static func run(_ arguments: [String], environment: [String: String]) throws -> CLI.Result {
        try CLI.run(arguments, environment: environment)
    }

    @Test func sendTemplateToVirtualContactsLeadsThroughTheirTapsToCompletedDeliveries() async throws {
        let data = TempDataDirectory()
        writeDefaultManifest(data.path)
        let port = try #require(freeLocalPort())
        let contacts = (0..<5).map { "15554000\(100 + $0)" }
        let sim = try await LocalSimulator(
            webhookPort: port, secret: Self.secret,
            arguments: ["--tap-after-ms", "50"] + contacts.flatMap { ["--virtual-contact", $0] })
        let environment = sim.serveEnvironment.merging(["WHATSAPP_APP_SECRET": Self.secret]) { $1 }
        let arguments = [
            "send-template", "--data-dir", data.path, "--graph-base-url", sim.baseURL, "--day", "2026-11-24",
        ]
        let first = try Self.run(arguments + contacts, environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("sent 5, already sent (skipped) 0, failed 0"), "\(first.stdout)")
        // Idempotent per (recipient, template, day): a rerun sends nothing.
        let again = try Self.run(arguments + contacts, environment: environment)
        #expect(again.stdout.contains("sent 0, already sent (skipped) 5, failed 0"), "\(again.stdout)")
        let templates = try await sim.messages().filter { $0.type == "template" }
        #expect(templates.count == 5)
        #expect(templates.allSatisfy { $0.content == "unlock:2026-11-24" })

        // The taps were posted while no service listened; the simulator retries, as Meta does.
        let server = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, port: port,
            arguments: sim.serveArguments + ["--confirmation-wait-ms", "500"],
            environment: sim.serveEnvironment, stderr: data.path + "/serve.err")
        let events = try await waitForLog(data.logPath, seconds: 60) { count($0, .deliveryCompleted) == 5 }
        server.kill(SIGTERM)
        await sim.stop()
        let sent = events.compactMap(TemplateSent.init)
        let clicks = events.compactMap(ButtonClicked.init)
        #expect(sent.count == 5)
        #expect(Set(clicks.compactMap(\.contextId)) == Set(sent.map(\.wamid)), "each tap names its template's wamid")
        #expect(events.compactMap(DeliveryCompleted.init).count == 5)
    }

    @Test func sendTemplateRefusesBadInputAndABusyLog() async throws {
        let data = TempDataDirectory()
        let environment = ["WHATSAPP_ACCESS_TOKEN": "test-access-token", "WHATSAPP_PHONE_NUMBER_ID": "1"]
        let noToken = try Self.run(["send-template", "--data-dir", data.path, "15551230000"], environment: [:])
        #expect(noToken.status == 78)
        #expect(noToken.stderr.contains("WHATSAPP_ACCESS_TOKEN"))
        let badRecipient = try Self.run(
            ["send-template", "--data-dir", data.path, "not-a-number"], environment: environment)
        #expect(badRecipient.status == 64)
        #expect(badRecipient.stderr.contains("not a wa_id"))
        let badDay = try Self.run(
            ["send-template", "--data-dir", data.path, "--day", "2026-13-40", "15551230000"], environment: environment)
        #expect(badDay.status == 64)
        let server = try ServeProcess(dataDirectory: data.path, secret: Self.secret)
        let busy = try Self.run(["send-template", "--data-dir", data.path, "15551230000"], environment: environment)
        server.kill(SIGTERM)
        #expect(busy.status == 75, "\(busy.stderr)")
        #expect(busy.stderr.contains("stop `serve` first"))
    }

    /// The daily send while `serve` runs: through its operator API, behind the dashboard token.
    @Test func sendTemplateThroughARunningServe() async throws {
        let data = TempDataDirectory()
        writeDefaultManifest(data.path)
        let port = try #require(freeLocalPort())
        let apiPort = try #require(freeLocalPort())
        let contacts = (0..<3).map { "15554100\(100 + $0)" }
        let sim = try await LocalSimulator(
            webhookPort: port, secret: Self.secret,
            arguments: ["--tap-after-ms", "20"] + contacts.flatMap { ["--virtual-contact", $0] })
        let server = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, port: port,
            arguments: sim.serveArguments + ["--api-port", String(apiPort), "--confirmation-wait-ms", "300"],
            environment: sim.serveEnvironment.merging(["CLICKUNLOCK_DASHBOARD_TOKEN": "dash-token-for-the-tests"]) {
                $1
            })
        let arguments = ["send-template", "--server", "http://127.0.0.1:\(apiPort)", "--day", "2026-11-24"] + contacts
        let wrongToken = try Self.run(arguments, environment: ["CLICKUNLOCK_DASHBOARD_TOKEN": "nope"])
        #expect(wrongToken.status == 78)
        #expect(wrongToken.stderr.contains("bearer token"))
        let badRecipient = try Self.run(
            ["send-template", "--server", "http://127.0.0.1:\(apiPort)", "12ab"],
            environment: ["CLICKUNLOCK_DASHBOARD_TOKEN": "dash-token-for-the-tests"])
        #expect(badRecipient.status == 64)
        let sent = try Self.run(arguments, environment: ["CLICKUNLOCK_DASHBOARD_TOKEN": "dash-token-for-the-tests"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("sent 3, already sent (skipped) 0, failed 0"), "\(sent.stdout)")
        let again = try Self.run(arguments, environment: ["CLICKUNLOCK_DASHBOARD_TOKEN": "dash-token-for-the-tests"])
        #expect(again.stdout.contains("sent 0, already sent (skipped) 3, failed 0"), "\(again.stdout)")
        let events = try await waitForLog(data.logPath, seconds: 30) { count($0, .deliveryCompleted) == 3 }
        server.kill(SIGTERM)
        await sim.stop()
        #expect(events.compactMap(TemplateSent.init).count == 3)
        #expect(events.compactMap(DeliveryCompleted.init).count == 3)
    }

    @Test func serveRefusesAnInvalidManifestWithItsLine() throws {
        let data = TempDataDirectory()
        _ = FileManager.default.createFile(
            atPath: data.path + "/content.yaml",
            contents: Data("packs:\n  - name: a\n    payload: p\n    items:\n      - type: gif\n".utf8))
        let result = try Self.run(
            ["serve", "--data-dir", data.path, "--webhook-port", "0"],
            environment: [
                "WHATSAPP_APP_SECRET": Self.secret, "WHATSAPP_ACCESS_TOKEN": "secret-token-value",
                "WHATSAPP_PHONE_NUMBER_ID": "1",
            ])
        #expect(result.status == 78)
        #expect(result.stderr.contains("line 5: unknown item type `gif`"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret-token-value"))
    }

    @Test func graphSimAnswersLikeTheCloudAPI() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["graph-sim", "--port", "0", "--error-rate", "131026=1"]
        process.environment = ["GRAPH_SIM_ACCESS_TOKEN": "sim-token"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var seen = ""
        while !seen.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        let port = try #require(
            seen.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        func send(token: String, body: String) async throws -> (UInt, String) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v25.0/100/messages")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await http.execute(request, timeout: .seconds(5))
            let bytes = try await response.body.collect(upTo: 1 << 16)
            return (response.status.code, String(buffer: bytes))
        }
        let text = #"{"messaging_product":"whatsapp","to":"+15551230000","type":"text","text":{"body":"hi"}}"#
        let (unauthorized, tokenError) = try await send(token: "wrong", body: text)
        #expect(unauthorized == 401)
        #expect(tokenError.contains("\"code\":190"))
        let (badShape, shapeError) = try await send(
            token: "sim-token", body: #"{"messaging_product":"whatsapp","to":"+1555","type":"image","image":{}}"#)
        #expect(badShape == 400)
        #expect(shapeError.contains("exactly one of link or id"))
        let (refused, refusal) = try await send(token: "sim-token", body: text)
        #expect(refused == 400)
        #expect(
            GraphAPIClient.outcome(status: Int(refused), body: Data(refusal.utf8))
                == .rejected(
                    MetaError(
                        code: 131026, title: "OAuthException", message: "(#131026) Message undeliverable",
                        details: "Message undeliverable"),
                    httpStatus: 400))
        try await http.shutdown()
    }
}
