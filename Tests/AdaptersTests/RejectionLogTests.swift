import Adapters
import ClickUnlockTesting
import Foundation
import Testing

/// A flood of bad signatures: every request is counted, but the log gets at most the bound of
/// lines per interval plus one summary line each, and no line holds a body or a secret.
@Suite struct RejectionLogTests {
    @Test func twoThousandBadSignaturesAreAllCountedButLoggedAtABoundedRate() async throws {
        let capture = LogCapture()
        var limits = WebhookIngestor.Limits()
        limits.logLines = BoundedLog.Limits(linesPerInterval: 5, interval: .seconds(1))
        let port = try await PortHarness.start(ingestorLimits: limits, logger: capture.logger())
        let marker = "BODY-MARKER-7c1d"
        let body = clickBody(wamid: "wamid.FLOOD", payload: marker)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in 0..<500 {
                        let signature: String? =
                            switch index % 4 {
                            case 0: nil
                            case 1: "sha256=nothex"
                            default: sign(body, secret: "another-secret")
                            }
                        let requestId = "flood-\(worker)-\(index)"
                        let status = try await port.post(body, signature: signature, requestId: requestId)
                        #expect(status == 401)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        // The summary of the last interval comes when that interval ends (a second, or later on a
        // loaded machine).
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let lines = capture.lines
            let summarized = lines.compactMap(Self.summary).map(\.count).reduce(0, +)
            if lines.count(where: { $0.contains("webhook rejected") }) + summarized >= 2000 { break }
            try await Task.sleep(for: .milliseconds(100))
        }

        let rejected = port.ingestor.statistics.rejected
        #expect(rejected == ["missing": 500, "malformed": 500, "mismatch": 1000])
        let lines = capture.lines
        let detailed = lines.filter { $0.contains("webhook rejected") }
        let summaries = lines.compactMap(Self.summary)
        let summarized = summaries.map(\.count).reduce(0, +)
        #expect(detailed.count + summarized == 2000, "every rejection is in a line or a summary")
        let intervals = Int(elapsed.components.seconds) + 3
        #expect(detailed.count <= 5 * intervals, "\(detailed.count) lines in \(elapsed)")
        #expect(summaries.count <= intervals)
        #expect(lines.count == detailed.count + summaries.count, "\(lines.filter { !$0.contains("rejected") })")
        var byReason: [String: Int] = [:]
        for summary in summaries { byReason.merge(summary.reasons) { $0 + $1 } }
        for line in detailed {
            for reason in ["missing", "malformed", "mismatch"] where line.contains("reason=\(reason)") {
                byReason[reason, default: 0] += 1
            }
        }
        #expect(byReason == rejected)
        let leaks = [marker, fixtureSecret, "whatsapp_business_account"]
        #expect(!lines.contains { line in leaks.contains { line.contains($0) } })
        await port.stop()
    }

    /// `N more rejected (malformed: 3, mismatch: 5) in the last 1 s` → N and the counts by reason.
    static func summary(_ line: String) -> (count: Int, reasons: [String: Int])? {
        guard let more = line.range(of: " more rejected ("), let close = line.range(of: ") in the last ") else {
            return nil
        }
        guard let count = Int(line[..<more.lowerBound].split(separator: " ").last ?? "") else { return nil }
        var reasons: [String: Int] = [:]
        for part in line[more.upperBound..<close.lowerBound].split(separator: ",") {
            let pair = part.split(separator: ":")
            if pair.count == 2, let value = Int(pair[1].trimmingCharacters(in: .whitespaces)) {
                reasons[pair[0].trimmingCharacters(in: .whitespaces)] = value
            }
        }
        return reasons.values.reduce(0, +) == count ? (count, reasons) : nil
    }
}
