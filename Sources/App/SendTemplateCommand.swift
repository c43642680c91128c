import Adapters
import ArgumentParser
import Delivery
import EventStore
import Foundation

/// `clickunlock send-template`: the daily template to a recipient list, recorded in the log.
struct SendTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-template",
        abstract: "Send the daily template (with its quick-reply payload) to recipients, recording each send in the log.",
        discussion: """
            Recipients come as arguments and/or from --recipients-file (one wa_id per line, # comments). Each \
            (recipient, template, day) is sent once: a rerun skips those already sent unless --force. The access \
            token and phone number id come from --config, WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID. \
            It writes to the log, so it runs while `serve` is stopped (exit 75 while serve holds the log). \
            Exit 0 when every recipient was sent or skipped, 2 when some failed.
            """)

    @Argument(help: "Recipients (wa_ids).") var recipients: [String] = []
    @Option(name: .customLong("recipients-file"), help: "File with one recipient per line.") var recipientsFile: String?
    @Option(name: .customLong("data-dir"), help: "Directory holding the event log (default ./data).") var dataDirectory: String?
    @Option(help: "JSON config file (as for serve).") var config: String?
    @Option(help: "Template name.") var template = "daily_content_ready_v1"
    @Option(help: "Template language code.") var language = "en_US"
    @Option(help: "Quick-reply button payload; {date} becomes --day.") var payload = "unlock:{date}"
    @Option(help: "The day the send is for, YYYY-MM-DD (default today, UTC).") var day: String?
    @Flag(help: "Send again to recipients already sent this template for this day.") var force = false
    @Option(name: .customLong("messages-per-second"), help: "Send rate (default 80).") var messagesPerSecond = 80.0
    @Option(name: .customLong("graph-base-url"), help: "Graph API base URL (default https://graph.facebook.com).")
    var graphBaseURL: String?
    @Option(name: .customLong("graph-api-version"), help: "Graph API version (default v25.0).") var graphAPIVersion: String?

    func validate() throws {
        if let day, !ContentPack.isDate(day) { throw ValidationError("--day must be YYYY-MM-DD, got \(day)") }
        guard messagesPerSecond > 0 else { throw ValidationError("--messages-per-second must be positive") }
        guard !template.isEmpty, !language.isEmpty, !payload.isEmpty, payload.count <= 256 else {
            throw ValidationError("--template, --language and --payload must not be empty; the payload at most 256 characters")
        }
    }

    func run() async throws {
        var settings = ServeSettings()
        do {
            if let config { try settings.apply(configFile: config) }
        } catch let failure as ServeSettings.Failure {
            printError(failure.description)
            throw ExitCode(78)
        }
        settings.apply(environment: ProcessInfo.processInfo.environment)
        settings.dataDirectory = dataDirectory ?? settings.dataDirectory
        settings.graphBaseURL = graphBaseURL ?? settings.graphBaseURL
        settings.graphAPIVersion = graphAPIVersion ?? settings.graphAPIVersion
        guard let token = settings.accessToken, let number = settings.phoneNumberIds.first else {
            printError("set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID (or access_token and phone_number_ids in --config)")
            throw ExitCode(78)
        }
        var list = recipients
        if let recipientsFile {
            guard let text = try? String(contentsOfFile: recipientsFile, encoding: .utf8) else {
                printError("cannot read the recipients file \(recipientsFile)")
                throw ExitCodes.noInput
            }
            list += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        let bad = list.filter { !Self.isRecipient($0) }
        guard bad.isEmpty else {
            printError("not a wa_id or BSUID: \(bad.prefix(5).joined(separator: ", "))\(bad.count > 5 ? " and \(bad.count - 5) more" : "")")
            throw ExitCode.validationFailure
        }
        guard !list.isEmpty else {
            printError("no recipients: give them as arguments or with --recipients-file")
            throw ExitCode.validationFailure
        }
        let day = self.day ?? Self.today()
        let payload = self.payload.replacingOccurrences(of: ContentPack.datePlaceholder, with: day)

        let log: EventLog
        do {
            log = try EventLog.open(directory: settings.dataDirectory + "/log")
        } catch {
            if error.code == .locked { printError("(stop `serve` first, or wait for it to stop)") }
            throw reportFailure(error)
        }
        var graph = GraphAPIClient.Configuration(baseURL: settings.graphBaseURL, version: settings.graphAPIVersion, accessToken: token)
        graph.timeout = .seconds(15)
        let http = GraphAPIClient.makeHTTPClient(configuration: graph, connectionsPerHost: 16)
        let sender = TemplateSender(
            log: log, sender: GraphAPIClient(configuration: graph, http: http), phoneNumberId: number, template: template,
            language: language, messagesPerSecond: messagesPerSecond)
        let total = Set(list).count
        let interactive = isatty(2) != 0
        print("sending \(template) (\(language)) with payload \(payload) to \(total) recipient(s) for \(day)")
        let summary: TemplateSender.Summary
        do {
            summary = try await sender.send(to: list, buttonPayload: payload, day: day, force: force) { progress in
                if interactive { writeAll(to: 2, Array("\r\(progress.total)/\(total) done".utf8)) }
            }
        } catch {
            try? await http.shutdown()
            await log.close()
            printError("stopped: \(error)")
            throw ExitCodes.ioError
        }
        if interactive { writeAll(to: 2, Array("\n".utf8)) }
        try? await http.shutdown()
        await log.close()
        print("sent \(summary.sent), already sent (skipped) \(summary.skipped), failed \(summary.failed)")
        for (reason, count) in summary.failures.sorted(by: { $0.value > $1.value }) { print("  \(count) failed: \(reason)") }
        if summary.failed > 0 { throw ExitCodes.incomplete }
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    static func isRecipient(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : text[...]
        if (6...20).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        // BSUID: country code, a dot, then letters and digits.
        return text.contains(".") && text.count <= 128 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") }
    }
}
