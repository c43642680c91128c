import Adapters
import EventStore
import Foundation
import Testing

/// `clickunlock doctor` on real data directories (a log written by `EventLog`, or by a `serve`
/// child process), against the Graph API simulator over real HTTP.
@Suite struct DoctorCommandTests {
    static let secret = "doctor-test-app-secret-0123"
    static let dashboardToken = "doctor-test-dashboard-token"

    /// Every secret and setting a healthy installation has, delivering through `simulator` when given.
    static func environment(_ simulator: LocalSimulator? = nil) -> [String: String] {
        var environment = [
            "WHATSAPP_APP_SECRET": secret, "WHATSAPP_VERIFY_TOKEN": "doctor-verify-token",
            "CLICKUNLOCK_DASHBOARD_TOKEN": dashboardToken,
        ]
        if let simulator {
            environment.merge(simulator.serveEnvironment) { $1 }
            environment["CLICKUNLOCK_GRAPH_BASE_URL"] = simulator.baseURL
        }
        return environment
    }

    struct Outcome {
        var result: CLI.Result
        var checks: [String: [String: Any]]

        func status(_ name: String) -> String { checks[name]?["status"] as? String ?? "absent" }
        func detail(_ name: String) -> String { checks[name]?["detail"] as? String ?? "" }
        func remedies(_ name: String) -> String {
            (checks[name]?["remedies"] as? [String] ?? []).joined(separator: "\n")
        }
        /// The exit code when everything passed, allowing for a test machine's nearly full disk.
        var passedExit: Int32 { status("disk_space") == "warning" ? 2 : 0 }
        var failing: [String] { checks.filter { $0.value["status"] as? String == "failed" }.map(\.key).sorted() }
    }

    static func doctor(_ data: TempDataDirectory, _ environment: [String: String], _ extra: [String] = []) throws
        -> Outcome
    {
        let result = try CLI.run(
            ["doctor", "--data-dir", data.path, "--json", "--min-free-disk-mb", "0"] + extra, environment: environment)
        let object = jsonObject(result.stdout.replacingOccurrences(of: "\n", with: " ")) ?? [:]
        let checks = (object["checks"] as? [[String: Any]] ?? []).reduce(into: [String: [String: Any]]()) {
            $0[$1["name"] as? String ?? ""] = $1
        }
        #expect(object["exit_code"] as? Int == Int(result.status), "\(result.stdout)")
        return Outcome(result: result, checks: checks)
    }

    /// A log of `count` events, one batch each, in segments of `segmentSize` bytes.
    static func writeLog(_ data: TempDataDirectory, count: Int = 20, segmentSize: Int64 = 64 << 20) async throws {
        let log = try EventLog.open(directory: data.logPath, configuration: .init { $0.segmentSize = segmentSize })
        var random = UInt64(12345)
        for index in 0..<count {
            let noise = (0..<600).map { _ in
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: random >> 56)
            }
            _ = try await log.append(
                NewEvent(type: "test.item", stream: "s", data: Array("{\"index\":\(index)}".utf8), attachment: noise))
        }
        await log.close()
    }

    /// Flips a bit inside the stored bytes of the `batch`-th batch (0-based) of a segment.
    static func flipBit(in segment: String, batch: Int) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        var offset = 36
        for _ in 0..<batch { offset += 48 + Int(bytes[offset + 44]) + Int(bytes[offset + 45]) << 8 }
        bytes[offset + 60] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
    }

    @Test func healthyInstallationPassesBesideARunningServeAndAfterIt() async throws {
        let data = TempDataDirectory()
        writeDefaultManifest(data.path)
        let simulator = try await LocalSimulator(webhookPort: 9, secret: Self.secret)
        let apiPort = try #require(freeLocalPort())
        let environment = Self.environment(simulator)
        let api = ["--api-port", String(apiPort)]
        let server = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret,
            arguments: simulator.serveArguments + ["--api-port", String(apiPort)], environment: environment)
        let body = try fixture("status_delivered.json")
        let signature = WebhookSignature(appSecret: Self.secret).header(for: body)
        #expect(await server.post(body, signature: signature) == 200)

        // A loaded machine may take a while before `/readyz` answers 200 (the projector catching up).
        var beside = try Self.doctor(data, environment, api)
        let deadline = Date().addingTimeInterval(60)
        while beside.status("serve") != "ok", Date() < deadline {
            try await Task.sleep(for: .seconds(1))
            beside = try Self.doctor(data, environment, api)
        }
        server.kill(SIGTERM)
        #expect(beside.failing.isEmpty, "\(beside.result.stdout)")
        #expect(beside.result.status == beside.passedExit, "\(beside.result.stdout)")
        #expect(beside.status("serve") == "ok", "\(beside.detail("serve"))")
        #expect(beside.detail("serve").contains("127.0.0.1:\(apiPort)/readyz"))
        for name in ["configuration", "data_directory", "log", "projections", "deliveries", "content_manifest"] {
            #expect(beside.status(name) == "ok", "\(name): \(beside.detail(name))")
        }
        #expect(beside.status("graph_token") == "ok", "\(beside.detail("graph_token"))")
        #expect(beside.detail("graph_token").contains(LocalSimulator.number))
        for secret in [Self.secret, Self.dashboardToken, LocalSimulator.token] {
            #expect(!beside.result.stdout.contains(secret) && !beside.result.stderr.contains(secret))
        }

        let stopped = try Self.doctor(data, environment, api)
        #expect(stopped.result.status == stopped.passedExit, "\(stopped.result.stdout)")
        #expect(stopped.status("serve") == "skipped")
        #expect(stopped.detail("serve").contains("no service is running"))
        #expect(stopped.status("log") == "ok" && stopped.detail("log").contains("positions 1-"))

        // The text form: a mark per check, and the summary.
        let text = try CLI.run(
            ["doctor", "--data-dir", data.path, "--min-free-disk-mb", "0"] + api, environment: environment)
        #expect(text.status == stopped.result.status)
        #expect(text.stdout.contains("✓ Event log opens and verifies [log]"))
        #expect(text.stdout.contains("All checks passed"))
        await simulator.stop()
    }

    @Test func tornLogFailsTheLogCheckAndSaysHowToCutIt() async throws {
        let data = TempDataDirectory()
        try await Self.writeLog(data, count: 5)
        let segment = data.logPath + "/00000000000000000001.seg"
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0xAB, count: 40))
        try handle.close()
        let size = try FileManager.default.attributesOfItem(atPath: segment)[.size] as? Int

        let outcome = try Self.doctor(data, Self.environment())
        #expect(outcome.result.status == 1)
        #expect(outcome.failing == ["log"], "\(outcome.result.stdout)")
        #expect(outcome.detail("log").contains("torn tail") && outcome.detail("log").contains("never acknowledged"))
        #expect(outcome.remedies("log").contains("clickunlock log repair --data-dir \(data.path)"))
        // It reads only: the torn bytes are still there.
        #expect(try FileManager.default.attributesOfItem(atPath: segment)[.size] as? Int == size)

        let text = try CLI.run(["doctor", "--data-dir", data.path], environment: Self.environment())
        #expect(text.status == 1)
        #expect(text.stdout.contains("✗ Event log opens and verifies [log]"))
        #expect(text.stdout.contains("Try fixing it:"))
        #expect(text.stdout.contains("Please fix the error(s) above and rerun the checks."))
    }

    @Test func bitFlippedSegmentFailsTheLogCheckWithVerifyAndRepair() async throws {
        let data = TempDataDirectory()
        try await Self.writeLog(data, count: 20)
        try Self.flipBit(in: data.logPath + "/00000000000000000001.seg", batch: 9)

        let outcome = try Self.doctor(data, Self.environment())
        #expect(outcome.result.status == 1)
        #expect(outcome.failing == ["log"], "\(outcome.result.stdout)")
        #expect(outcome.detail("log").contains("00000000000000000001.seg"))
        #expect(outcome.remedies("log").contains("clickunlock log verify --data-dir \(data.path)"))
        #expect(outcome.remedies("log").contains("clickunlock log repair --data-dir \(data.path)"))
    }

    @Test func fullReadsTheSealedSegmentsThatTheQuickCheckTrusts() async throws {
        let data = TempDataDirectory()
        try await Self.writeLog(data, count: 30, segmentSize: 4096)
        let segments = try FileManager.default.contentsOfDirectory(atPath: data.logPath).filter { $0.hasSuffix(".seg") }
        try #require(segments.count >= 3, "\(segments)")
        try Self.flipBit(in: data.logPath + "/00000000000000000001.seg", batch: 1)

        let quick = try Self.doctor(data, Self.environment())
        #expect(quick.status("log") == "ok", "\(quick.detail("log"))")
        let full = try Self.doctor(data, Self.environment(), ["--full"])
        #expect(full.result.status == 1)
        #expect(full.status("log") == "failed")
        #expect(full.detail("log").contains("00000000000000000001.seg"), "\(full.detail("log"))")
    }

    @Test func missingSecretFailsTheConfigurationCheck() async throws {
        let data = TempDataDirectory()
        var environment = Self.environment()
        environment["WHATSAPP_APP_SECRET"] = nil
        let outcome = try Self.doctor(data, environment)
        #expect(outcome.result.status == 1)
        #expect(outcome.failing == ["configuration"], "\(outcome.result.stdout)")
        #expect(outcome.detail("configuration").contains("the app secret is not set"))
        #expect(outcome.remedies("configuration").contains("WHATSAPP_APP_SECRET"))
        #expect(!outcome.result.stdout.contains(Self.dashboardToken))

        // Set but blank: the configuration does not load; every other check says it needs it.
        environment["WHATSAPP_APP_SECRET"] = "   "
        let blank = try Self.doctor(data, environment)
        #expect(blank.result.status == 1)
        #expect(blank.failing == ["configuration"])
        #expect(blank.detail("configuration").contains("WHATSAPP_APP_SECRET is blank"))
        #expect(blank.status("log") == "skipped")
    }

    @Test func graph190IsExplainedAsAnExpiredOrRevokedToken() async throws {
        let data = TempDataDirectory()
        writeDefaultManifest(data.path)
        let simulator = try await LocalSimulator(webhookPort: 9, secret: Self.secret)
        let revoked = "revoked-access-token-0001"
        let environment = Self.environment(simulator).merging(["WHATSAPP_ACCESS_TOKEN": revoked]) { $1 }
        let outcome = try Self.doctor(data, environment)
        #expect(outcome.result.status == 1)
        #expect(outcome.failing == ["graph_token"], "\(outcome.result.stdout)")
        #expect(outcome.detail("graph_token").contains("190"))
        #expect(outcome.detail("graph_token").contains("expired or was revoked"))
        #expect(outcome.remedies("graph_token").contains("WHATSAPP_ACCESS_TOKEN"))
        #expect(!outcome.result.stdout.contains(revoked))
        await simulator.stop()
    }

    @Test func deliveriesInFlightAreCountedFromTheProjectionsAndTheirAgeShown() async throws {
        let data = TempDataDirectory()
        writeDefaultManifest(data.path)
        // Every send hangs past the service's 15 s timeout: the delivery stays in flight for minutes.
        let simulator = try await LocalSimulator(
            webhookPort: 9, secret: Self.secret, arguments: ["--timeout-rate", "1", "--hang-ms", "600000"])
        let environment = Self.environment(simulator)
        let api = ["--api-port", String(try #require(freeLocalPort()))]
        let server = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, arguments: simulator.serveArguments + api,
            environment: environment)
        let body = clickBody(wamid: "wamid.DOCTOR1", from: "15553001000", context: "wamid.DOCTORT1")
        #expect(await server.post(body, signature: WebhookSignature(appSecret: Self.secret).header(for: body)) == 200)
        var beside = try Self.doctor(data, environment, api)
        let deadline = Date().addingTimeInterval(30)
        while !beside.detail("deliveries").hasPrefix("1 in flight"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            beside = try Self.doctor(data, environment, api)
        }
        server.kill(SIGKILL)
        #expect(beside.detail("deliveries").hasPrefix("1 in flight, the oldest started"), "\(beside.result.stdout)")

        let stopped = try Self.doctor(data, environment, api)
        #expect(stopped.status("deliveries") == "warning")
        #expect(stopped.detail("deliveries").contains("no service is running to finish them"))
        #expect(stopped.remedies("deliveries").contains("resumes every unfinished delivery"))
        #expect(stopped.result.status == 2, "\(stopped.result.stdout)")
        await simulator.stop()
    }
}
