import Adapters
import ArgumentParser
import AsyncHTTPClient
import Configuration
import Delivery
import EventStore
import Foundation
import NIOCore
import NIOPosix

/// `clickunlock send-template`: the daily template to a recipient list, recorded in the log.
struct SendTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-template",
        abstract: """
            Send the daily template (with its quick-reply payload) to recipients, recording each send in the \
            log.
            """,
        discussion: """
            Recipients come as arguments and/or from --recipients-file (one wa_id per line, # comments). Each \
            (recipient, template, day) is sent once: a rerun skips those already sent unless --force. The access token \
            and phone number id come from --config, WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID. It writes to \
            the log, so it runs while `serve` is stopped (exit 75 while serve holds the log); with --server it asks a \
            running serve's dashboard API to send instead. Exit 0 when every recipient was sent or skipped, 2 when \
            some failed.
            """)

    @Argument(help: "Recipients (wa_ids).") var recipients: [String] = []
    @Option(name: .customLong("recipients-file"), help: "File with one recipient per line.") var recipientsFile: String?
    @Option(name: settingFlag("data_dir"), help: settingHelp("data_dir")) var dataDirectory: String?
    @Option(help: "Config file, as for serve (JSON, or YAML for .yaml/.yml).") var config: String?
    @Option(help: "Template name.") var template = "daily_content_ready_v1"
    @Option(help: "Template language code.") var language = "en_US"
    @Option(help: "Quick-reply button payload; {date} becomes --day.") var payload = "unlock:{date}"
    @Option(help: "The day the send is for, YYYY-MM-DD (default today, UTC).") var day: String?
    @Flag(help: "Send again to recipients already sent this template for this day.") var force = false
    @Option(name: settingFlag("messages_per_second"), help: settingHelp("messages_per_second"))
    var messagesPerSecond: Double?
    @Option(name: settingFlag("graph_base_url"), help: settingHelp("graph_base_url")) var graphBaseURL: String?
    @Option(name: settingFlag("graph_api_version"), help: settingHelp("graph_api_version")) var graphAPIVersion: String?

    @Option(
        help: """
            A running `serve`'s dashboard API (e.g. http://127.0.0.1:3002): send through it instead of writing the \
            log here; the token comes from CLICKUNLOCK_DASHBOARD_TOKEN.
            """)
    var server: String?

    func validate() throws {
        if let day, !ContentPack.isDate(day) { throw ValidationError("--day must be YYYY-MM-DD, got \(day)") }
        if let messagesPerSecond, !(messagesPerSecond > 0) {
            throw ValidationError("--messages-per-second must be positive")
        }
    }

    func run() async throws {
        var list = recipients
        if let recipientsFile {
            guard let text = try? String(contentsOfFile: recipientsFile, encoding: .utf8) else {
                printError("cannot read the recipients file \(recipientsFile)")
                throw ExitCodes.noInput
            }
            list += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        let request: TemplateRequest
        do {
            request = try TemplateRequest(
                recipients: Array(Set(list)).sorted(), template: template, language: language, payload: payload,
                day: day, force: force
            ).validated()
        } catch {
            printError(error.description + (list.isEmpty ? ": give them as arguments or with --recipients-file" : ""))
            throw ExitCode.validationFailure
        }
        print(
            "sending \(template) (\(language)) with payload \(request.payload ?? "") "
                + "to \(request.recipients.count) recipient(s) for \(request.day ?? "")"
        )
        let summary: TemplateSender.Summary
        if let server {
            summary = try await Self.sendThrough(server, request, token: try await configuration().dashboardAPI.token)
        } else {
            summary = try await sendHere(request)
        }
        print("sent \(summary.sent), already sent (skipped) \(summary.skipped), failed \(summary.failed)")
        for (reason, count) in summary.failures.sorted(by: { $0.value > $1.value }) {
            print("  \(count) failed: \(reason)")
        }
        if summary.failed > 0 { throw ExitCodes.incomplete }
    }

    /// The shared configuration (config file < environment < these flags), checked; exit 78 if it cannot be used.
    private func configuration() async throws -> ServiceConfiguration {
        var flags: [String: ConfigContent] = [:]
        flags["data_dir"] = dataDirectory.map(ConfigContent.string)
        flags["messages_per_second"] = messagesPerSecond.map(ConfigContent.double)
        flags["graph_base_url"] = graphBaseURL.map(ConfigContent.string)
        flags["graph_api_version"] = graphAPIVersion.map(ConfigContent.string)
        do {
            return try await SettingsReader(flags: flags, configFile: config).read()
        } catch {
            printError(error.description)
            throw ExitCode(78)
        }
    }

    /// Opens the log here (serve must be stopped) and sends.
    private func sendHere(_ request: TemplateRequest) async throws -> TemplateSender.Summary {
        let settings = try await configuration()
        guard let token = settings.delivery.accessToken, let number = settings.delivery.phoneNumberIds.first else {
            printError(
                "set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID "
                    + "(or access_token and phone_number_ids in --config)"
            )
            throw ExitCode(78)
        }
        let log: EventLog
        do {
            log = try EventLog.open(directory: settings.dataDirectory + "/log")
        } catch {
            if error.code == .locked { printError("(stop `serve` first, or send through it with --server)") }
            throw reportFailure(error)
        }
        let graph = settings.delivery.graph(token: token)
        let http = GraphAPIClient.makeHTTPClient(configuration: graph, connectionsPerHost: 16)
        let sender = TemplateSender(
            log: log, sender: GraphAPIClient(configuration: graph, http: http), phoneNumberId: number,
            messagesPerSecond: settings.delivery.templateMessagesPerSecond)
        let total = request.recipients.count
        let interactive = isatty(2) != 0
        defer { if interactive { writeAll(to: 2, Array("\n".utf8)) } }
        do {
            let summary = try await sender.send(request) { progress in
                if interactive { writeAll(to: 2, Array("\r\(progress.total)/\(total) done".utf8)) }
            }
            try? await http.shutdown()
            await log.close()
            return summary
        } catch {
            try? await http.shutdown()
            await log.close()
            printError("stopped: \(error)")
            throw ExitCodes.ioError
        }
    }

    /// Asks a running service to send (it holds the log and the Graph API client).
    static func sendThrough(
        _ server: String, _ request: TemplateRequest, token: String?
    ) async throws -> TemplateSender.Summary {
        guard let token, !token.isEmpty else {
            printError("set CLICKUNLOCK_DASHBOARD_TOKEN to the service's dashboard token")
            throw ExitCode(78)
        }
        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        defer { _ = http.shutdown() }
        var call = HTTPClientRequest(
            url: (server.hasSuffix("/") ? String(server.dropLast()) : server) + "/api/templates/send")
        call.method = .POST
        call.headers.add(name: "Authorization", value: "Bearer \(token)")
        call.headers.add(name: "Content-Type", value: "application/json")
        call.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(request)))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(call, timeout: .minutes(30))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            printError("cannot reach the service at \(server): \(error)")
            throw ExitCodes.ioError
        }
        guard response.status == .ok,
            let summary = try? JSONDecoder().decode(TemplateSender.Summary.self, from: Data(buffer: body))
        else {
            // The dashboard API's error shape: {"error": {"code", "message", "parameter"}}.
            struct Refusal: Decodable {
                struct Detail: Decodable { let message: String }
                let error: Detail
            }
            let reason =
                (try? JSONDecoder().decode(Refusal.self, from: Data(buffer: body)))?.error.message
                ?? "HTTP \(response.status.code)"
            printError("the service refused: \(reason)")
            throw response.status == .unauthorized || response.status == .serviceUnavailable
                ? ExitCode(78) : ExitCodes.ioError
        }
        return summary
    }
}
