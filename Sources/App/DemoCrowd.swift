import Adapters
import AsyncHTTPClient
import Delivery
import Foundation
import NIOCore

/// The demo's virtual advisors, kept busy so that every panel of the dashboard has something to
/// show within a minute: all of them get the template at start, then a few at a time every few
/// seconds (each round a campaign day of its own, so a tap unlocks a pack that advisor has not
/// had). Some tap twice, some are not authorized, and the simulator injects occasional faults: a
/// 131047 (window closed), a 130429 burst, a Graph API call that times out; now and then a webhook
/// with a wrong signature reaches the webhook port.
struct DemoCrowd: Sendable {
    let advisors: [String]

    init(contacts: Int) {
        advisors = (0..<contacts).map { String(format: "1555010%05d", $0) }
    }

    /// Everyone but one advisor in eight: their taps are stored (`authorized: false`) and skipped.
    var authorized: [String] { advisors.enumerated().filter { $0.offset % 8 != 5 }.map(\.element) }

    /// How many advisors each round reaches.
    var roundSize: Int { max(1, min(advisors.count, (advisors.count + 7) / 8)) }

    /// The simulator's people and faults in the demo, on top of `base`.
    func simulator(_ base: SimulatorConfiguration, tapAfterMs: Int64, faults: Bool) -> SimulatorConfiguration {
        var simulator = base
        simulator.seed = UInt64.random(in: 1...UInt64.max)
        simulator.virtualContacts.contacts = Set(advisors)
        simulator.virtualContacts.tapAfterMs = tapAfterMs
        simulator.virtualContacts.secondTapRate = 0.1
        simulator.readAfterMs = 1500
        guard faults else { return simulator }
        // About one message in a hundred fails later with 131047, one in a hundred and fifty times
        // out after being accepted (the service reconciles it from its statuses), and every minute,
        // from 20 s on, the number's throughput limit answers 130429 for 8 s: the templates of the
        // rounds in it fail, and the content of the taps just before is retried after it.
        simulator.faults.asyncWindowClosedRate = 0.01
        simulator.faults.timeoutAfterAcceptRate = 0.007
        simulator.faults.hangMs = 16_000
        simulator.faults.schedules = [.init(code: 130429, periodMs: 60_000, activeMs: 8_000, offsetMs: 20_000)]
        return simulator
    }

    /// Rounds every 3-5 s until cancelled; `report` gets a line per round that failed.
    func keepAlive(
        templates: TemplateSender, http: HTTPClient, webhookURL: String, report: @escaping @Sendable (String) -> Void
    ) async {
        var round = 1
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(Int.random(in: 3000...5000)))
            } catch {
                return
            }
            let picked = Array(advisors.shuffled().prefix(roundSize))
            do {
                let request = try TemplateRequest(recipients: picked, day: Self.day(daysAgo: round % 3650), force: true)
                    .validated()
                _ = try await templates.send(request)
            } catch is CancellationError {
                return
            } catch {
                report("demo: a template round failed: \(error)")
            }
            if round % 15 == 3 { await Self.strayWebhook(http: http, url: webhookURL) }
            round += 1
        }
    }

    /// A webhook with a wrong signature (a stray client): refused with 401, counted by reason.
    static func strayWebhook(http: HTTPClient, url: String) async {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Hub-Signature-256", value: "sha256=" + String(repeating: "0", count: 64))
        request.body = .bytes(ByteBuffer(string: #"{"object":"whatsapp_business_account","entry":[]}"#))
        _ = try? await http.execute(request, timeout: .seconds(5))
    }

    /// The UTC day `days` before today, `YYYY-MM-DD`.
    static func day(daysAgo days: Int, now: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: now.addingTimeInterval(-Double(days) * 86_400))
    }
}
