import Adapters
import ArgumentParser
import AsyncHTTPClient
import Configuration
import Foundation
import Hummingbird
import Logging
import NIOPosix
import ServiceLifecycle

/// `clickunlock graph-sim`: the Graph API simulator on its own, with fault injection.
struct GraphSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph-sim",
        abstract: """
            Run a WhatsApp Cloud API (Graph API) simulator: send endpoint, signed status webhooks, faults, virtual \
            contacts.
            """,
        discussion: """
            Serves POST /{version}/{phone-number-id}/messages, GET /{version}/{phone-number-id} (190 for a \
            wrong token) and GET /_sim/messages[?to=]. The bearer token it \
            expects comes from GRAPH_SIM_ACCESS_TOKEN (else WHATSAPP_ACCESS_TOKEN); webhooks are signed with \
            WHATSAPP_APP_SECRET. Prints `ready graph-sim-port=N` once listening.
            """)

    @Option(help: "Port to listen on (0 picks a free one).") var port = 3100
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(
        name: .customLong("webhook-url"),
        help: "Where to post status and tap webhooks (e.g. http://127.0.0.1:3000/webhook).")
    var webhookURL: String?
    @OptionGroup var behaviour: SimulatorOptions

    @Option(name: settingFlag("log_level"), help: settingHelp("log_level")) var logLevel: String?

    func run() async throws {
        // The shared configuration: its tokens and log level (no config file here).
        let settings: ServiceConfiguration
        do {
            settings = try await SettingsReader(
                flags: ["log_level": logLevel.map(ConfigContent.string)].compactMapValues { $0 }
            ).read()
        } catch {
            printError(error.description)
            throw ExitCode(78)
        }
        guard let token = settings.simulatorAccessToken ?? settings.delivery.accessToken, !token.isEmpty else {
            printError("set GRAPH_SIM_ACCESS_TOKEN (or WHATSAPP_ACCESS_TOKEN): the bearer token the simulator expects")
            throw ExitCode(78)
        }
        let secret = settings.ingress.appSecret ?? ""
        if webhookURL != nil, secret.isEmpty {
            printError("set WHATSAPP_APP_SECRET: the simulator signs its webhooks with it")
            throw ExitCode(78)
        }
        var configuration = SimulatorConfiguration(accessToken: token, webhookURL: webhookURL, appSecret: secret)
        try behaviour.apply(to: &configuration)
        let logger = settings.logger(label: "graph-sim")
        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        let simulator = GraphSimulator(configuration: configuration, http: http, logger: logger)
        let app = Application(
            router: simulator.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "graph-sim"),
            onServerRunning: { channel in
                writeAll(to: 1, Array("ready graph-sim-port=\(channel.localAddress?.port ?? -1)\n".utf8))
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await http.shutdown()
            throw error
        }
        try? await http.shutdown()
    }
}

/// The simulator's defaults, which its flags' help shows.
private let simulatorDefaults = SimulatorConfiguration(accessToken: "", webhookURL: nil, appSecret: "")
private func defaultMs(_ value: Int64?) -> String { "default \(value ?? -1)" }

/// The simulator's behaviour flags (shared by `graph-sim` and `demo`). A flag not given leaves
/// `SimulatorConfiguration`'s default, which its help shows.
struct SimulatorOptions: ParsableArguments {

    @Option(help: "Seed for every random choice (default \(simulatorDefaults.seed)).") var seed: UInt64?
    @Option(
        name: .customLong("sent-after-ms"),
        help: "Delay of the `sent` status (-1: none; \(defaultMs(simulatorDefaults.sentAfterMs))).")
    var sentAfterMs: Int64?
    @Option(
        name: .customLong("delivered-after-ms"),
        help:
            "Delay of the `delivered` status (-1: none; \(defaultMs(simulatorDefaults.deliveredAfterMs)))."
    )
    var deliveredAfterMs: Int64?
    @Option(
        name: .customLong("read-after-ms"),
        help: "Delay of the `read` status (-1: none; \(defaultMs(simulatorDefaults.readAfterMs))).")
    var readAfterMs: Int64?
    @Option(
        name: .customLong("error-rate"),
        help: "CODE=RATE: answer this Meta error code with this probability; repeatable.")
    var errorRates: [String] = []
    @Option(
        name: .customLong("recipient-error"),
        help: "RECIPIENT=CODE: answer every send to this recipient with this Meta error code; repeatable.")
    var recipientErrors: [String] = []
    @Option(name: .customLong("server-error-rate"), help: "HTTP 500 without a body.") var serverErrorRate: Double?
    @Option(name: .customLong("timeout-rate"), help: "Hang without accepting.") var timeoutRate: Double?
    @Option(name: .customLong("timeout-after-accept-rate"), help: "Accept, then hang.") var timeoutAfterAcceptRate:
        Double?
    @Option(name: .customLong("reset-rate"), help: "Close the connection without accepting.") var resetRate: Double?
    @Option(name: .customLong("reset-after-accept-rate"), help: "Accept, then close the connection.")
    var resetAfterAcceptRate: Double?
    @Option(name: .customLong("async-window-closed-rate"), help: "Accept, then send a `failed` 131047 status.")
    var asyncWindowClosedRate: Double?
    @Option(
        name: .customLong("hang-ms"),
        help: "How long a hang lasts (default \(simulatorDefaults.faults.hangMs)).") var hangMs: Int64?
    @Option(
        name: .customLong("latency-ms"), help: "Answer latency (default \(simulatorDefaults.faults.latencyMs))."
    ) var latencyMs: Int64?
    @Option(
        name: .customLong("latency-jitter-ms"),
        help: "Extra uniform latency (default \(simulatorDefaults.faults.latencyJitterMs)).")
    var latencyJitterMs: Int64?
    @Option(
        help: "CODE:PERIOD_MS:ACTIVE_MS: every send in the first ACTIVE_MS of each PERIOD_MS gets CODE; repeatable.")
    var schedule: [String] = []
    @Option(
        name: .customLong("virtual-contact-prefix"), help: "Recipients starting with this tap the template's button.")
    var virtualContactPrefix: String?
    @Option(name: .customLong("virtual-contact"), help: "A recipient that taps the template's button; repeatable.")
    var virtualContacts: [String] = []
    @Option(
        name: .customLong("tap-after-ms"),
        help:
            "How long a virtual contact takes to tap (default \(simulatorDefaults.virtualContacts.tapAfterMs))."
    )
    var tapAfterMs: Int64?
    @Option(
        name: .customLong("tap-rate"),
        help: "Chance that a virtual contact taps (default \(simulatorDefaults.virtualContacts.tapRate)).")
    var tapRate: Double?
    @Option(
        name: .customLong("pair-burst"),
        help: ArgumentHelp(
            "Messages to one recipient within 6 s before 131056 (0: no limit; "
                + "default \(simulatorDefaults.pairBurst ?? 0))."))
    var pairBurst: Int?
    @Option(help: "Messages per second per number before 130429 (0: no limit, the default).") var throughput: Double?

    func apply(to configuration: inout SimulatorConfiguration) throws {
        if let seed { configuration.seed = seed }
        if let sentAfterMs { configuration.sentAfterMs = sentAfterMs >= 0 ? sentAfterMs : nil }
        if let deliveredAfterMs { configuration.deliveredAfterMs = deliveredAfterMs >= 0 ? deliveredAfterMs : nil }
        if let readAfterMs { configuration.readAfterMs = readAfterMs >= 0 ? readAfterMs : nil }
        var faults = configuration.faults
        for pair in errorRates {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let code = Int(parts[0]), let rate = Double(parts[1]), (0...1).contains(rate) else {
                throw ValidationError("--error-rate wants CODE=RATE with RATE in 0...1, got \(pair)")
            }
            faults.errorRates[code] = rate
        }
        for pair in recipientErrors {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, !parts[0].isEmpty, let code = Int(parts[1]), code > 0 else {
                throw ValidationError("--recipient-error wants RECIPIENT=CODE with a positive CODE, got \(pair)")
            }
            faults.recipientErrors[String(parts[0])] = code
        }
        for item in schedule {
            let parts = item.split(separator: ":").compactMap { Int64($0) }
            guard parts.count == 3, parts[1] > 0, parts[2] >= 0 else {
                throw ValidationError("--schedule wants CODE:PERIOD_MS:ACTIVE_MS, got \(item)")
            }
            faults.schedules.append(.init(code: Int(parts[0]), periodMs: parts[1], activeMs: parts[2]))
        }
        let rates = [
            serverErrorRate, timeoutRate, timeoutAfterAcceptRate, resetRate, resetAfterAcceptRate,
            asyncWindowClosedRate, tapRate,
        ]
        let counts = [hangMs, latencyMs, latencyJitterMs, pairBurst.map(Int64.init)]
        guard rates.allSatisfy({ $0.map { (0...1).contains($0) } ?? true }), counts.allSatisfy({ ($0 ?? 0) >= 0 }),
            (throughput ?? 0) >= 0
        else { throw ValidationError("rates must be within 0...1; times, --pair-burst and --throughput not negative") }
        if let serverErrorRate { faults.serverErrorRate = serverErrorRate }
        if let timeoutRate { faults.timeoutRate = timeoutRate }
        if let timeoutAfterAcceptRate { faults.timeoutAfterAcceptRate = timeoutAfterAcceptRate }
        if let resetRate { faults.resetRate = resetRate }
        if let resetAfterAcceptRate { faults.resetAfterAcceptRate = resetAfterAcceptRate }
        if let asyncWindowClosedRate { faults.asyncWindowClosedRate = asyncWindowClosedRate }
        if let hangMs { faults.hangMs = hangMs }
        if let latencyMs { faults.latencyMs = latencyMs }
        if let latencyJitterMs { faults.latencyJitterMs = latencyJitterMs }
        configuration.faults = faults
        if let virtualContactPrefix { configuration.virtualContacts.prefix = virtualContactPrefix }
        if !virtualContacts.isEmpty { configuration.virtualContacts.contacts = Set(virtualContacts) }
        if let tapAfterMs { configuration.virtualContacts.tapAfterMs = tapAfterMs }
        if let tapRate { configuration.virtualContacts.tapRate = tapRate }
        if let pairBurst { configuration.pairBurst = pairBurst > 0 ? pairBurst : nil }
        if let throughput { configuration.throughputPerSecond = throughput > 0 ? throughput : nil }
    }
}
