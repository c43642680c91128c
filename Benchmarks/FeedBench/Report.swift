import BenchSupport
import Foundation
import Histogram

/// One client's figures, copied off its event loop at the end.
struct ClientSummary: Sendable {
    var events: Int, gaps: Int, missing: UInt64, duplicates: Int, resets: Int, skippedByResets: UInt64
    var slowCloses: Int, reconnects: Int
    var maxLatency: Int64, lastPosition: UInt64, connected: Bool, refusal: String?, closeCodes: [Int: Int]

    init(_ client: ClientState) {
        (events, gaps, missing, duplicates) = (client.events, client.gaps, client.missing, client.duplicates)
        (resets, skippedByResets) = (client.resets, client.skippedByResets)
        (slowCloses, reconnects) = (client.slowConsumerCloses, client.reconnects)
        (maxLatency, lastPosition, connected) = (client.maxLatency, client.lastPosition, client.connected)
        (refusal, closeCodes) = (client.refusal, client.closeCodes)
    }
}

/// One event loop's figures, copied off it at the end.
struct LoopSummary: Sendable {
    var latencies: Histogram<UInt64>
    var measured: Int, beforeAcknowledgement: Int, unattributed: Int
    var clients: [ClientSummary]
    var resetReason: String?

    init(_ stats: LoopStats) {
        latencies = stats.latencies
        (measured, beforeAcknowledgement, unattributed) =
            (stats.measured, stats.beforeAcknowledgement, stats.unattributed)
        clients = stats.clients.map(ClientSummary.init)
        resetReason = stats.resetReason
    }
}

/// The sender's figures.
struct SenderSummary: Sendable {
    var answers: Histogram<UInt64>, lateness: Histogram<UInt64>, statuses: [Int: Int], exhausted: Bool
    /// Sender connections the server closed (each replaced).
    var reconnections: Int
    /// Webhooks sent in the measured window, and how many of them got their 200.
    var sent: Int, acknowledged: Int
}

/// Everything one run measured, and how it is printed.
struct Report {
    var clientCount: Int, rate: Double, windowSeconds: Double, connectSeconds: Double, ready: Int
    var sender: SenderSummary
    var loops: [LoopSummary]
    /// Event frames and bytes received by all clients during the window.
    var eventFrames: Int, bytes: Int
    /// Server RSS (KiB): with no client, once all are connected, at the end of the window; its peak.
    var rssNone: Int?, rssConnected: Int?, rssEnd: Int?, rssPeak: Int?
    /// CPU cores used during the window: the server, per server thread name, the tool.
    var serverCores: Double, serverThreads: [(String, Double)], toolCores: Double
    /// Cores the whole machine kept busy: what is not the server's or the tool's is someone else's.
    var machineCores: Double

    private var clients: [ClientSummary] { loops.flatMap(\.clients) }

    private var latencies: Histogram<UInt64> {
        var all = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        for loop in loops { all.add(loop.latencies) }
        return all
    }

    private func sum<T: AdditiveArithmetic>(_ value: (ClientSummary) -> T) -> T {
        clients.reduce(.zero) { $0 + value($1) }
    }

    private var highest: UInt64 { clients.filter(\.connected).map(\.lastPosition).max() ?? 0 }
    private var behind: Int { clients.filter { $0.connected && $0.lastPosition < highest }.count }

    private func perClient(_ rss: Int?) -> Double? {
        guard clientCount > 0, let rss, let rssNone else { return nil }
        return Double(rss - rssNone) / Double(clientCount)
    }

    private func ms(_ microseconds: UInt64) -> String { "\(Double(microseconds) / 1000, digits: 1) ms" }
    private func mib(_ kib: Int?) -> String { kib.map { "\(Double($0) / 1024, digits: 1) MiB" } ?? "?" }

    func print() {
        let answers = sender.answers
        Swift.print(
            "# FeedBench — \(clientCount) clients, \(Int(rate)) webhooks/s, \(windowSeconds, digits: 1) s measured")
        Swift.print(
            "webhooks: \(Double(sender.sent) / windowSeconds, digits: 0)/s sent in the window,"
                + " \(sender.acknowledged) of \(sender.sent) got 200; answers p50 \(ms(answers.valueAtPercentile(50)))"
                + " p99 \(ms(answers.valueAtPercentile(99))) max \(ms(answers.max));"
                + " (window only); sent > 5 ms late: \(sender.lateness.count(within: 5000...UInt64.max));"
                + " statuses \(sender.statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })"
                + " (-1: connection closed first); \(sender.reconnections) connections closed by the server"
                + (sender.exhausted ? " — THE CORPUS RAN OUT: make it bigger" : ""))
        if clientCount > 0 { printClients() }
        Swift.print(
            "server RSS: \(mib(rssNone)) with no client, \(mib(rssConnected)) connected, \(mib(rssEnd)) at the end"
                + " (peak \(mib(rssPeak)))"
                + (perClient(rssEnd).map {
                    " → \($0, digits: 1) KiB per client (\(perClient(rssConnected) ?? 0, digits: 1) KiB once connected)"
                } ?? ""))
        let threads = serverThreads.map { "\($0.0) \($0.1, digits: 2)" }.joined(separator: ", ")
        Swift.print(
            "CPU: server \(serverCores, digits: 2) cores (\(threads)); FeedBench \(toolCores, digits: 2) cores;"
                + " the machine \(machineCores, digits: 2) of \(ProcessInfo.processInfo.activeProcessorCount)"
                + " (others \(max(0, machineCores - serverCores - toolCores), digits: 2))")
        Swift.print(summaryLine)
    }

    private func printClients() {
        let measured = loops.reduce(0) { $0 + $1.measured }
        let early = loops.reduce(0) { $0 + $1.beforeAcknowledgement }
        let unattributed = loops.reduce(0) { $0 + $1.unattributed }
        var refusals: [String: Int] = [:]
        var closeCodes: [Int: Int] = [:]
        for client in clients {
            if let refusal = client.refusal { refusals[refusal, default: 0] += 1 }
            for (code, count) in client.closeCodes { closeCodes[code, default: 0] += count }
        }
        let maxima = clients.map { UInt64(max(0, $0.maxLatency) / 1000) }.sorted()
        let latencies = latencies
        Swift.print(
            "clients: \(ready) of \(clientCount) connected in \(connectSeconds, digits: 1) s"
                + (refusals.isEmpty ? "" : "; refused or failed: \(refusals.sorted { $0.key < $1.key })"))
        Swift.print(
            "frames: \(Double(eventFrames) / windowSeconds, digits: 0) event frames/s to all clients"
                + " (\(Double(bytes) / windowSeconds / 1e6, digits: 1) MB/s); \(measured) measured, \(early) of them"
                + " before the tool had read their 200 (counted as 0 ms); \(unattributed) unattributed")
        Swift.print(
            "200 → frame: p50 \(ms(latencies.valueAtPercentile(50))) p90 \(ms(latencies.valueAtPercentile(90)))"
                + " p99 \(ms(latencies.valueAtPercentile(99))) p99.9 \(ms(latencies.valueAtPercentile(99.9)))"
                + " max \(ms(latencies.max)); each client's worst: median"
                + " \(ms(maxima.isEmpty ? 0 : maxima[maxima.count / 2]))"
                + ", highest \(ms(maxima.last ?? 0))")
        let withGaps = clients.filter { $0.gaps > 0 }.count
        let withDuplicates = clients.filter { $0.duplicates > 0 }.count
        Swift.print(
            "order: \(withGaps) clients with gaps (\(sum(\.gaps)) gaps, \(sum(\.missing)) positions missing);"
                + " \(withDuplicates) clients with duplicates (\(sum(\.duplicates)));"
                + " resets \(sum(\.resets)) (skipping \(sum(\.skippedByResets)) positions);"
                + " 4008 closes \(sum(\.slowCloses)); reconnections \(sum(\.reconnects));"
                + " close codes \(closeCodes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" });"
                + " \(behind) clients short of the last position \(highest) after the drain")
        if let reset = loops.compactMap(\.resetReason).first { Swift.print("first reset: \(reset)") }
    }

    /// The one line the script prints per run.
    var summaryLine: String {
        let latencies = latencies
        func ms(_ microseconds: UInt64) -> String { "\(Double(microseconds) / 1000, digits: 1)ms" }
        func mib(_ kib: Int?) -> String { kib.map { "\(Double($0) / 1024, digits: 1)MiB" } ?? "?" }
        return "summary clients=\(clientCount) ready=\(ready) rate=\(Int(rate))"
            + " sent/s=\(Int((Double(sender.sent) / windowSeconds).rounded()))"
            + " ack-p99=\(ms(sender.answers.valueAtPercentile(99)))"
            + " frames/s=\(Int((Double(eventFrames) / windowSeconds).rounded()))"
            + " p50=\(ms(latencies.valueAtPercentile(50))) p90=\(ms(latencies.valueAtPercentile(90)))"
            + " p99=\(ms(latencies.valueAtPercentile(99))) max=\(ms(latencies.max))"
            + " gaps=\(sum(\.gaps)) dups=\(sum(\.duplicates)) resets=\(sum(\.resets))"
            + " reset-skipped=\(sum(\.skippedByResets)) slow-closes=\(sum(\.slowCloses)) behind=\(behind)"
            + " rss0=\(mib(rssNone)) rssN=\(mib(rssEnd))"
            + " KiB/client=\(perClient(rssEnd).map { "\($0, digits: 1)" } ?? "-")"
            + " server-cores=\(serverCores, digits: 2) tool-cores=\(toolCores, digits: 2)"
            + " others-cores=\(max(0, machineCores - serverCores - toolCores), digits: 2)"
    }
}
